/*
 * net_naive.c - plain-C matmuls of a dense layer: the algorithmic reference
 * (llm.c's matmul_forward_naive) that tests compare the oneDNN path to.
 * Straight loops, double accumulators, no tricks: correctness, not speed.
 */
#include "nn/net.h"

void wn__mm_forward_naive(float *out, const float *in, const float *W,
                          const float *b, size_t rows, size_t n, size_t m,
                          int relu)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < m; j++) {
            double s = b[j];
            for (size_t i = 0; i < n; i++)
                s += (double)in[r * n + i] * (double)W[j * n + i];
            float v = (float)s;
            out[r * m + j] = relu && v < 0.0f ? 0.0f : v;
        }
}

void wn__mm_backward_weights_naive(float *dW, const float *in, const float *dz,
                                   size_t rows, size_t n, size_t m)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t r = 0; r < rows; r++)
                s += (double)in[r * n + i] * (double)dz[r * m + j];
            dW[j * n + i] = (float)s;
        }
}

void wn__mm_backward_data_naive(float *din, const float *dz, const float *W,
                                size_t rows, size_t n, size_t m)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t j = 0; j < m; j++)
                s += (double)dz[r * m + j] * (double)W[j * n + i];
            din[r * n + i] = (float)s;
        }
}
