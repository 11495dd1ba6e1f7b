/*
 * flops.c - the work of training, as the BUTTER-E study counted it (SPEC
 * section 5): forward and backward FLOPs of one batch and of one epoch.
 *
 * These are the study's formulas, not a count of the instructions our
 * kernels execute (they count a multiply-add once).  The energy model and
 * the benchmark's FLOP-bound limit use them, so they must stay exactly as
 * the study wrote them.  Doubles: an epoch of a 2^24-parameter network on
 * 10^5 rows is ~10^15, far inside a double's exact-integer range.
 */
#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>
#include <wattnet/train.h>

double wn_flops_forward(size_t batch, size_t inputs, const size_t *widths,
                        size_t depth)
{
    double sum = 0.0;
    double fan_in = (double)inputs;
    for (size_t k = 0; k < depth; k++) {
        double w = (double)widths[k];
        sum += fan_in * w + w;
        fan_in = w;
    }
    return (double)batch * sum;
}

double wn_flops_backward(size_t batch, size_t inputs, const size_t *widths,
                         size_t depth)
{
    double sum = 0.0;
    double fan_in = (double)inputs;
    for (size_t k = 0; k < depth; k++) {
        double w = (double)widths[k];
        sum += 2.0 * w + fan_in * w + (k > 0 ? fan_in * w : 0.0);
        fan_in = w;
    }
    double params = (double)wn_params(inputs, widths, depth);
    return (double)batch * sum + params * (1.0 + (double)batch);
}

double wn_flops_epoch(size_t batch, size_t inputs, const size_t *widths,
                      size_t depth, size_t train_rows, size_t test_rows)
{
    if (batch == 0)
        return 0.0;
    /* SPEC section 5, with the batch the trainer really uses: a batch
     * larger than the training rows is the training rows (issue 9 #19) */
    size_t b = batch < train_rows ? batch : train_rows;
    if (b == 0)
        return 0.0;
    double train_batches = (double)((train_rows + b - 1) / b);
    double test_batches = (double)((test_rows + b - 1) / b);
    double fwd = wn_flops_forward(b, inputs, widths, depth);
    double bwd = wn_flops_backward(b, inputs, widths, depth);
    return train_batches * (fwd + bwd) + test_batches * fwd;
}
