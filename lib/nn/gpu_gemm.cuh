/*
 * gpu_gemm.cuh - the cuBLASLt GEMMs of the GPU engine (gpu_gemm.cu), for
 * gpu_cuda.cu.  CUDA C++ only (private).  One rowset holds, for one row
 * count r, the three GEMMs of every layer (forward with its epilogue,
 * weight gradient, data gradient) with their layouts and the algorithm the
 * heuristic chose, made once before the loop.  See gpu_cuda.cu's top
 * comment for the column-major reading of the row-major tensors.
 */
#ifndef WN_NN_GPU_GEMM_CUH
#define WN_NN_GPU_GEMM_CUH

#include <cublasLt.h>
#include <cuda_runtime.h>

#include "nn/gpu.h"

struct gemm {
    cublasLtMatmulDesc_t op;
    cublasLtMatrixLayout_t a, b, c;
    cublasLtMatmulAlgo_t algo;
    int bias_kernel;           /* no epilogue algorithm: bias (+ReLU) kernel */
    int relu;
};

struct rowset {
    size_t rows;               /* 0: unused */
    struct gemm fwd[WN_MAX_DEPTH], bwd_w[WN_MAX_DEPTH], bwd_d[WN_MAX_DEPTH];
};

/* Make the GEMMs of plan p for `rows` rows; params: the device parameter
 * buffer (the forward epilogues' bias pointers).  WN_OK or WN_EBACKEND. */
int wn__gg_rowset_make(cublasLtHandle_t lt, const struct wn__gpu_plan *p,
                       const float *params, size_t rows, size_t ws_bytes,
                       struct rowset *r);
void wn__gg_rowset_free(struct rowset *r);

/* C = op(A) op(B) (+ epilogue) on stream s. */
int wn__gg_run(cublasLtHandle_t lt, cudaStream_t s, const struct gemm *g,
               const float *A, const float *B, float *C, void *ws, size_t ws_bytes);

#endif /* WN_NN_GPU_GEMM_CUH */
