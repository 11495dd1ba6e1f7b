/*
 * gpu.h - the GPU engine of lib/nn (private): device selection, the memory
 * plan, the CUDA-graph plan, and the narrow C interface between the host
 * side (gpu_train.c, gpu_plan.c: plain C, tested on any machine) and the
 * device side (gpu_cuda.cu: CUDA C, cuBLASLt; built only with the CUDA
 * toolkit, else gpu_nocuda.c answers "built without CUDA").
 *
 * The engine trains the same network as the CPU engine (net.h): the same
 * widths, the same flat parameter layout [W0 b0 W1 b1 ...] padded to 16
 * floats (so the initial weights are the CPU's, copied), the same losses,
 * Adam (eps 1e-7, PyTorch's form) and batch, the same split and the same
 * per-epoch shuffle (drawn on the host, applied on the device as a gather
 * by index).  float32 with TF32 off (CUBLAS_COMPUTE_32F, pedantic math).
 *
 * A training step on the device, per batch of rows r <= B:
 *   gather x, y <- X, Y at order[off .. off+r)        (offset on the device)
 *   forward: cuBLASLt GEMM per layer, bias (+ ReLU) in the epilogue,
 *            residual add kernel where the shape has skips
 *   loss kernel: one block, fixed-order tree reduction -> loss[step], dz
 *   backward: per layer a ReLU-mask/column-sum kernel (db, serial per
 *             column), a dW GEMM and (k > 0) a data GEMM
 *   advance kernel: step t += 1, offset += r, Adam's bias-corrected scalars
 *   Adam kernel over the whole flat parameter buffer
 * Nothing reduces with atomics, so the same seed on the same GPU gives the
 * same result.  Steps are captured into CUDA graphs (wn__gpu_graph_plan).
 */
#ifndef WN_NN_GPU_H
#define WN_NN_GPU_H

#include <stddef.h>
#include <stdint.h>

#include <wattnet/shape.h>
#include <wattnet/train.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Device selection (gpu_plan.c) --------------------------------------- */

enum wn__dev_kind { WN__DEV_CPU = 0, WN__DEV_CUDA };

struct wn__device {
    enum wn__dev_kind kind;
    int index;                 /* CUDA ordinal; 0 for "cuda" */
};

/* NULL, "" and "cpu" are the CPU; "cuda" is cuda:0; "cuda:N" (N 0..255).
 * Anything else: WN_EINVAL with a message. */
int wn__device_parse(const char *s, struct wn__device *out);

/* ---- Memory plan (gpu_plan.c) -------------------------------------------- */

/* Every device buffer of a run, in floats unless named otherwise.
 * Parameter offsets are those of the CPU engine's flat block (net.c);
 * activation offsets follow net.c's activation block (x, y, then per layer
 * h, [a], [g], [dz]; an aliased tensor has the offset of its alias). */
struct wn__gpu_plan {
    size_t depth, inputs, outputs, batch;
    size_t widths[WN_MAX_DEPTH], fan_in[WN_MAX_DEPTH];
    int residual[WN_MAX_DEPTH];
    /* parameters: n_flat floats; grads, Adam m and v: three more blocks */
    size_t n_flat;
    size_t w_off[WN_MAX_DEPTH], b_off[WN_MAX_DEPTH];
    /* activations of B rows: n_acts floats */
    size_t n_acts;
    size_t x_off, y_off;
    size_t h_off[WN_MAX_DEPTH], a_off[WN_MAX_DEPTH];
    size_t g_off[WN_MAX_DEPTH], dz_off[WN_MAX_DEPTH];   /* g: SIZE_MAX for the
                                                           output layer */
    /* the dataset, copied once: X (rows, inputs), Y (rows, outputs) */
    size_t n_rows, data_x_floats, data_y_floats;
    /* row indices (int32): the training order and the test rows */
    size_t n_train, n_test, idx_count;
    /* per-epoch results: one double loss per training step, four doubles
     * (loss, correct, se, ae) per test batch */
    size_t train_steps, test_batches;
    size_t workspace_bytes;    /* cuBLASLt workspace */
    size_t total_bytes;        /* everything above, each buffer 256-aligned */
};

/* Fill *p.  WN_EINVAL for shapes the CPU engine refuses too (depth,
 * residual widths), for n_rows >= 2^31 (int32 indices) and for plans whose
 * byte count would overflow. */
int wn__gpu_plan_make(size_t inputs, const size_t *widths, size_t depth,
                      int residual, size_t batch, size_t n_rows, size_t n_train,
                      size_t n_test, struct wn__gpu_plan *p);

/* ---- CUDA-graph plan (gpu_plan.c) ---------------------------------------- */

/* Kernel launches and GEMMs (graph nodes) of one training step. */
size_t wn__gpu_step_nodes(const struct wn__gpu_plan *p);

#define WN__GPU_GRAPH_NODE_LIMIT 4096   /* nodes in one captured graph */
#define WN__GPU_GRAPH_MAX_STEPS 64      /* steps in one captured graph */

/* An epoch of n_train rows in batches of B: `full` full steps and a last
 * step of `last_rows` (0: none).  The full steps run as `body_launches`
 * launches of a graph of `body_steps` steps; the rest (full % body_steps
 * full steps and the last one) as one launch of a tail graph of
 * `tail_steps` steps.  use_graph is 0 when graphs do not pay (an epoch of
 * one step) or were switched off: then every step is launched eagerly. */
struct wn__graph_plan {
    size_t full, last_rows;
    size_t body_steps, body_launches;
    size_t tail_steps;         /* tail full steps + the partial one */
    int use_graph;
};
int wn__gpu_graph_plan(size_t n_train, size_t batch, size_t nodes_per_step,
                       int allow_graph, struct wn__graph_plan *g);

/* ---- The run (gpu_train.c) ------------------------------------------------ */

/* wn_train() on CUDA device `index`: the same contract, the same split,
 * initial weights and shuffles as the CPU engine (train.c). */
int wn__gpu_train(const wn_dataset *d, const wn_train_config *cfg, int index,
                  const wn_train_hooks *hooks, wn_train_summary *out);

/* ---- The device side (gpu_cuda.cu, or gpu_nocuda.c) ---------------------- */

struct wn__gpu_info {
    int index;
    char name[96];
    char uuid[48];             /* "GPU-xxxxxxxx-..." */
    char driver[32];           /* e.g. "13.0" (CUDA driver API version) */
    char runtime[32];
    int sms, cc_major, cc_minor;
    size_t l2_bytes, shared_per_sm_bytes, memory_bytes;
};

struct wn__eval4 {
    double loss, correct, se, ae;
};

struct wn__cu;

/* Open CUDA device `index`: WN_OK, or WN_EUNAVAILABLE with "no NVIDIA
 * driver ..." / "no CUDA device ..." / "cuda:N: only K devices", or
 * WN_EUNSUPPORTED "built without CUDA" (gpu_nocuda.c).  info may be NULL. */
int wn__cu_open(int index, struct wn__gpu_info *info, struct wn__cu **out);
void wn__cu_close(struct wn__cu **c);

/* Allocate the plan's buffers, copy the dataset (X, Y row-major, n_rows
 * rows) and the test row indices, make the GEMM plans for the row counts a
 * run uses (B, the last training batch, the test batches).  task: a
 * wn_task value. */
int wn__cu_setup(struct wn__cu *c, const struct wn__gpu_plan *p, int task,
                 const float *X, const float *Y, const size_t *test_idx,
                 int allow_graph);

/* Parameters (n_flat floats, the CPU layout) in and out; setting them
 * also zeroes Adam's state and step count. */
int wn__cu_set_params(struct wn__cu *c, const float *params, float lr);
int wn__cu_get_params(struct wn__cu *c, float *params);

/* One epoch over order[0..n_train) (copied to the device, gathered there):
 * *loss_mean = the rows-weighted mean of the steps' losses (summed on the
 * host in step order). */
int wn__cu_train_epoch(struct wn__cu *c, const size_t *order, double *loss_mean);

/* The test pass over the test rows given to setup: sums over rows. */
int wn__cu_test(struct wn__cu *c, struct wn__eval4 *sums);

/* Gradient check support: the mean loss of the rows idx[0..rows) (rows
 * <= B) and, when grads is not NULL, its gradient (n_flat floats, the
 * parameter layout), without changing the parameters. */
int wn__cu_loss_grad(struct wn__cu *c, const size_t *idx, size_t rows, double *loss,
                     float *grads);

/* The graph plan the last setup chose (tests, --json). */
int wn__cu_graph_info(const struct wn__cu *c, struct wn__graph_plan *g);

/* ---- Replacing the device side (tests) --------------------------------------- */

/* The calls gpu_train.c makes.  wn__gpu_set_ops(ops) makes it use ops
 * instead of the wn__cu_* functions above (NULL restores them): for tests
 * on machines without a GPU, with a simulated device that trains on the
 * CPU (tests/test_gpu_sim.c).  Not thread-safe: set it before training. */
struct wn__gpu_ops {
    int (*open)(int index, struct wn__gpu_info *info, struct wn__cu **out);
    void (*close)(struct wn__cu **c);
    int (*setup)(struct wn__cu *c, const struct wn__gpu_plan *p, int task,
                 const float *X, const float *Y, const size_t *test_idx,
                 int allow_graph);
    int (*set_params)(struct wn__cu *c, const float *params, float lr);
    int (*train_epoch)(struct wn__cu *c, const size_t *order, double *loss_mean);
    int (*test)(struct wn__cu *c, struct wn__eval4 *sums);
};
void wn__gpu_set_ops(const struct wn__gpu_ops *ops);

#ifdef __cplusplus
}
#endif
#endif /* WN_NN_GPU_H */
