/*
 * gpu_nocuda.c - the device side of the GPU engine in a build without the
 * CUDA toolkit: every entry point answers "built without CUDA", so
 * `--device cuda` fails with one clear line.  With WN_HAVE_CUDA the real
 * ones are in gpu_cuda.cu and this file is empty.
 */
#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/train.h>
#include <wattnet/gpu.h>

#include "nn/gpu.h"

#ifndef WN_HAVE_CUDA

static int nocuda(void)
{
    return wn_seterr(WN_EUNSUPPORTED, "cuda: wattnet was built without CUDA (no "
                     "CUDA toolkit at configure time, or -DWN_WITH_CUDA=OFF)");
}

int wn__cu_open(int index, struct wn__gpu_info *info, struct wn__cu **out)
{
    (void)index;
    (void)info;
    *out = NULL;
    return nocuda();
}

void wn__cu_close(struct wn__cu **c)
{
    if (c)
        *c = NULL;
}

int wn__cu_setup(struct wn__cu *c, const struct wn__gpu_plan *p, int task,
                 const float *X, const float *Y, const size_t *test_idx,
                 int allow_graph)
{
    (void)c, (void)p, (void)task, (void)X, (void)Y, (void)test_idx, (void)allow_graph;
    return nocuda();
}

int wn__cu_set_params(struct wn__cu *c, const float *params, float lr)
{
    (void)c, (void)params, (void)lr;
    return nocuda();
}

int wn__cu_get_params(struct wn__cu *c, float *params)
{
    (void)c, (void)params;
    return nocuda();
}

int wn__cu_train_epoch(struct wn__cu *c, const size_t *order, double *loss_mean)
{
    (void)c, (void)order, (void)loss_mean;
    return nocuda();
}

int wn__cu_test(struct wn__cu *c, struct wn__eval4 *sums)
{
    (void)c, (void)sums;
    return nocuda();
}

int wn__cu_loss_grad(struct wn__cu *c, const size_t *idx, size_t rows, double *loss,
                     float *grads)
{
    (void)c, (void)idx, (void)rows, (void)loss, (void)grads;
    return nocuda();
}

int wn__cu_graph_info(const struct wn__cu *c, struct wn__graph_plan *g)
{
    (void)c, (void)g;
    return nocuda();
}

#else
typedef int wn__gpu_nocuda_unused;   /* ISO C: no empty translation unit */
#endif
