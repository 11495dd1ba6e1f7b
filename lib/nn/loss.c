/*
 * loss.c - the output activation and loss of each task, fused with its
 * gradient (SPEC section 4), in PyTorch's conventions:
 *   regression  p = sigmoid(z), MSE = mean over rows and outputs of (p-y)^2
 *   binary      sigmoid + BCE, computed from the logit like
 *               BCEWithLogitsLoss: max(z,0) - z y + log1p(exp(-|z|)), mean
 *   multiclass  softmax + CCE, log-sum-exp with the row maximum
 *               subtracted, mean over rows
 * One pass over the (rows, outputs) logits per batch; the loss is summed in
 * double, the gradient written in float.
 */
#include <math.h>

#include "nn/net.h"

static float sigmoidf(float z)
{
    if (z >= 0.0f)
        return 1.0f / (1.0f + expf(-z));
    float e = expf(z);
    return e / (1.0f + e);
}

/* BCE of logit z against target y, stably. */
static double bce_logit(float z, float y)
{
    double zd = z;
    return (zd > 0.0 ? zd : 0.0) - zd * (double)y + log1p(exp(-fabs(zd)));
}

double wn__loss_grad(wn_task task, const float *z, const float *y,
                     size_t rows, size_t outputs, float *dz)
{
    double loss = 0.0;
    size_t n = rows * outputs;
    if (rows == 0)
        return 0.0;
    switch (task) {
    case WN_TASK_REGRESSION: {
        float scale = 2.0f / (float)n;
        for (size_t i = 0; i < n; i++) {
            float p = sigmoidf(z[i]);
            float e = p - y[i];
            loss += (double)e * (double)e;
            dz[i] = scale * e * p * (1.0f - p);
        }
        return loss / (double)n;
    }
    case WN_TASK_BINARY: {
        float scale = 1.0f / (float)n;
        for (size_t i = 0; i < n; i++) {
            loss += bce_logit(z[i], y[i]);
            dz[i] = scale * (sigmoidf(z[i]) - y[i]);
        }
        return loss / (double)n;
    }
    case WN_TASK_MULTICLASS: {
        float scale = 1.0f / (float)rows;
        for (size_t r = 0; r < rows; r++) {
            const float *zr = z + r * outputs, *yr = y + r * outputs;
            float *dr = dz + r * outputs;
            float mx = zr[0];
            for (size_t j = 1; j < outputs; j++)
                mx = zr[j] > mx ? zr[j] : mx;
            float s = 0.0f, ysum = 0.0f, yz = 0.0f;
            for (size_t j = 0; j < outputs; j++) {
                float e = expf(zr[j] - mx);
                dr[j] = e;
                s += e;
                ysum += yr[j];
                yz += yr[j] * (zr[j] - mx);
            }
            /* loss_r = sum_j y_j (lse - z_j), lse = mx + log s */
            loss += (double)ysum * log((double)s) - (double)yz;
            float inv = 1.0f / s;
            for (size_t j = 0; j < outputs; j++)
                dr[j] = scale * (dr[j] * inv * ysum - yr[j]);
        }
        return loss / (double)rows;
    }
    }
    return 0.0;
}

void wn__loss_eval(wn_task task, const float *z, const float *y, size_t rows,
                   size_t outputs, struct wn__eval_sums *acc)
{
    acc->rows += rows;
    for (size_t r = 0; r < rows; r++) {
        const float *zr = z + r * outputs, *yr = y + r * outputs;
        switch (task) {
        case WN_TASK_REGRESSION: {
            double l = 0.0, a = 0.0;
            for (size_t j = 0; j < outputs; j++) {
                double e = (double)sigmoidf(zr[j]) - (double)yr[j];
                l += e * e;
                a += fabs(e);
            }
            acc->loss += l / (double)outputs;
            acc->se += l / (double)outputs;
            acc->ae += a / (double)outputs;
            break;
        }
        case WN_TASK_BINARY: {
            double l = 0.0;
            int ok = 1;
            for (size_t j = 0; j < outputs; j++) {
                l += bce_logit(zr[j], yr[j]);
                ok &= (zr[j] > 0.0f) == (yr[j] > 0.5f);
            }
            acc->loss += l / (double)outputs;
            acc->correct += ok;
            break;
        }
        case WN_TASK_MULTICLASS: {
            size_t pz = 0, py = 0;
            float mx = zr[0];
            for (size_t j = 1; j < outputs; j++) {
                if (zr[j] > mx) {
                    mx = zr[j];
                    pz = j;
                }
                if (yr[j] > yr[py])
                    py = j;
            }
            double s = 0.0, ysum = 0.0, yz = 0.0;
            for (size_t j = 0; j < outputs; j++) {
                s += exp((double)zr[j] - (double)mx);
                ysum += yr[j];
                yz += (double)yr[j] * ((double)zr[j] - (double)mx);
            }
            acc->loss += ysum * log(s) - yz;
            acc->correct += pz == py;
            break;
        }
        }
    }
}
