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
    /* a batch larger than a pass's rows is that pass's rows */
    size_t bt = batch < train_rows ? batch : train_rows;
    size_t bv = batch < test_rows ? batch : test_rows;
    double train_batches = bt ? (double)((train_rows + bt - 1) / bt) : 0.0;
    double test_batches = bv ? (double)((test_rows + bv - 1) / bv) : 0.0;
    double fwd = wn_flops_forward(bt, inputs, widths, depth);
    double bwd = wn_flops_backward(bt, inputs, widths, depth);
    return train_batches * (fwd + bwd) +
           test_batches * wn_flops_forward(bv, inputs, widths, depth);
}
