/*
 * gpu_gemm.cu - the cuBLASLt GEMM plans of the GPU engine (gpu_gemm.cuh):
 * descriptors, layouts and the heuristic's algorithm for every (row
 * count, layer, direction), and running one.
 *
 * NEVER RUN ON A GPU as of this writing (docs/gpu.md).
 *
 * Compute type CUBLAS_COMPUTE_32F with float scale: float32 throughout and
 * no TF32 (cuBLASLt uses TF32 only for CUBLAS_COMPUTE_32F_FAST_TF32).
 * Forward GEMMs carry the bias, and ReLU for hidden layers, in the
 * epilogue (CUBLASLT_EPILOGUE_RELU_BIAS / _BIAS); where the heuristic
 * returns no algorithm with it, the plain GEMM is kept and bias_kernel is
 * set so the caller adds the bias with a kernel.
 */
#include <stdint.h>
#include <string.h>

#include <wattnet/wattnet.h>

#include "nn/gpu_gemm.cuh"

#define LT(call, what)                                                         \
    do {                                                                       \
        cublasStatus_t s_ = (call);                                            \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                       \
            return wn_seterr(WN_EBACKEND, "cuda: cuBLASLt %s: status %d", what,  \
                             (int)s_);                                         \
    } while (0)

static void free_gemm(struct gemm *g)
{
    if (g->a) cublasLtMatrixLayoutDestroy(g->a);
    if (g->b) cublasLtMatrixLayoutDestroy(g->b);
    if (g->c) cublasLtMatrixLayoutDestroy(g->c);
    if (g->op) cublasLtMatmulDescDestroy(g->op);
    memset(g, 0, sizeof *g);
}

void wn__gg_rowset_free(struct rowset *r)
{
    for (size_t k = 0; k < WN_MAX_DEPTH; k++) {
        free_gemm(&r->fwd[k]);
        free_gemm(&r->bwd_w[k]);
        free_gemm(&r->bwd_d[k]);
    }
    r->rows = 0;
}

static int make_desc(struct gemm *g, cublasOperation_t ta, cublasOperation_t tb,
                     cublasLtEpilogue_t epi, const float *bias)
{
    LT(cublasLtMatmulDescCreate(&g->op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "desc");
    LT(cublasLtMatmulDescSetAttribute(g->op, CUBLASLT_MATMUL_DESC_TRANSA, &ta,
                                      sizeof ta), "transa");
    LT(cublasLtMatmulDescSetAttribute(g->op, CUBLASLT_MATMUL_DESC_TRANSB, &tb,
                                      sizeof tb), "transb");
    if (epi != CUBLASLT_EPILOGUE_DEFAULT) {
        LT(cublasLtMatmulDescSetAttribute(g->op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi,
                                          sizeof epi), "epilogue");
        LT(cublasLtMatmulDescSetAttribute(g->op, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                          &bias, sizeof bias), "bias");
    }
    return WN_OK;
}

/* The heuristic's best algorithm; *found = 0 when it has none. */
static int pick_algo(cublasLtHandle_t lt, struct gemm *g, size_t ws_bytes, int *found)
{
    cublasLtMatmulPreference_t pref = NULL;
    cublasLtMatmulHeuristicResult_t res;
    int n = 0;
    LT(cublasLtMatmulPreferenceCreate(&pref), "preference");
    cublasStatus_t st = cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_bytes, sizeof ws_bytes);
    /* Every tensor starts on 16 floats (the plan's padding): tell the
     * heuristic no more than that, so it never picks an algorithm that
     * assumes its default 256-byte alignment. */
    const uint32_t align = 16;
    const cublasLtMatmulPreferenceAttributes_t aligns[] = {
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
    for (size_t i = 0; i < 4 && st == CUBLAS_STATUS_SUCCESS; i++)
        st = cublasLtMatmulPreferenceSetAttribute(pref, aligns[i], &align, sizeof align);
    if (st == CUBLAS_STATUS_SUCCESS)
        st = cublasLtMatmulAlgoGetHeuristic(lt, g->op, g->a, g->b, g->c, g->c, pref, 1,
                                            &res, &n);
    cublasLtMatmulPreferenceDestroy(pref);
    *found = st == CUBLAS_STATUS_SUCCESS && n > 0;
    if (*found)
        g->algo = res.algo;
    return WN_OK;
}

/* C (M x N) = op(A) op(B), K the inner size; column-major, leading
 * dimensions the stored rows. */
static int make_gemm(cublasLtHandle_t lt, struct gemm *g, cublasOperation_t ta,
                     cublasOperation_t tb, size_t M, size_t N, size_t K,
                     cublasLtEpilogue_t epi, const float *bias, size_t ws_bytes)
{
    size_t ar = ta == CUBLAS_OP_N ? M : K, ac = ta == CUBLAS_OP_N ? K : M;
    size_t br = tb == CUBLAS_OP_N ? K : N, bc = tb == CUBLAS_OP_N ? N : K;
    int found = 0, rc;
    free_gemm(g);
    LT(cublasLtMatrixLayoutCreate(&g->a, CUDA_R_32F, ar, ac, (int64_t)ar), "layout a");
    LT(cublasLtMatrixLayoutCreate(&g->b, CUDA_R_32F, br, bc, (int64_t)br), "layout b");
    LT(cublasLtMatrixLayoutCreate(&g->c, CUDA_R_32F, M, N, (int64_t)M), "layout c");
    g->relu = epi == CUBLASLT_EPILOGUE_RELU_BIAS;
    if ((rc = make_desc(g, ta, tb, epi, bias)) != WN_OK ||
        (rc = pick_algo(lt, g, ws_bytes, &found)) != WN_OK)
        return rc;
    if (found || epi == CUBLASLT_EPILOGUE_DEFAULT)
        goto done;
    cublasLtMatmulDescDestroy(g->op);   /* no epilogue algorithm: plain GEMM */
    g->op = NULL;
    g->bias_kernel = 1;
    if ((rc = make_desc(g, ta, tb, CUBLASLT_EPILOGUE_DEFAULT, NULL)) != WN_OK ||
        (rc = pick_algo(lt, g, ws_bytes, &found)) != WN_OK)
        return rc;
done:
    if (!found)
        return wn_seterr(WN_EBACKEND, "cuda: cuBLASLt has no algorithm for a %zu x "
                         "%zu x %zu float32 GEMM", M, N, K);
    return WN_OK;
}

int wn__gg_rowset_make(cublasLtHandle_t lt, const struct wn__gpu_plan *p,
                       const float *params, size_t rows, size_t ws_bytes,
                       struct rowset *r)
{
    int rc = WN_OK;
    wn__gg_rowset_free(r);
    for (size_t k = 0; k < p->depth && rc == WN_OK; k++) {
        size_t n = p->fan_in[k], m = p->widths[k];
        cublasLtEpilogue_t epi = k + 1 < p->depth ? CUBLASLT_EPILOGUE_RELU_BIAS
                                                  : CUBLASLT_EPILOGUE_BIAS;
        rc = make_gemm(lt, &r->fwd[k], CUBLAS_OP_T, CUBLAS_OP_N, m, rows, n, epi,
                       params + p->b_off[k], ws_bytes);
        if (rc == WN_OK)
            rc = make_gemm(lt, &r->bwd_w[k], CUBLAS_OP_N, CUBLAS_OP_T, n, m, rows,
                           CUBLASLT_EPILOGUE_DEFAULT, NULL, ws_bytes);
        if (rc == WN_OK && k > 0)
            rc = make_gemm(lt, &r->bwd_d[k], CUBLAS_OP_N, CUBLAS_OP_N, n, rows, m,
                           CUBLASLT_EPILOGUE_DEFAULT, NULL, ws_bytes);
    }
    if (rc != WN_OK) {
        wn__gg_rowset_free(r);
        return rc;
    }
    r->rows = rows;
    return WN_OK;
}

int wn__gg_run(cublasLtHandle_t lt, cudaStream_t s, const struct gemm *g,
               const float *A, const float *B, float *C, void *ws, size_t ws_bytes)
{
    const float one = 1.0f, zero = 0.0f;
    LT(cublasLtMatmul(lt, g->op, &one, A, g->a, B, g->b, &zero, C, g->c, C, g->c,
                      &g->algo, ws, ws_bytes, s), "matmul");
    return WN_OK;
}
