/*
 * train_extend.h - training past the requested epochs until the run is
 * long enough to measure (wn_train_config.min_seconds); shared by the CPU
 * trainer (train.c) and the GPU trainer (gpu_train.c).  Private to lib/nn.
 */
#ifndef WN_NN_TRAIN_EXTEND_H
#define WN_NN_TRAIN_EXTEND_H

#include <stddef.h>

#include <wattnet/train.h>

/* The most epochs an extended run may reach: a bound against a clock that
 * does not advance, far past any real use. */
#define WN__TRAIN_MAX_EPOCHS 10000000u

/* 1 when epoch E (1-based) should run: E <= cfg->epochs, or, past them,
 * while ELAPSED_S (wall seconds since the first epoch began) is below
 * cfg->min_seconds.  Else 0. */
int wn__train_want_epoch(const wn_train_config *cfg, size_t e,
                         double elapsed_s);

/* Make room for epoch E's seconds in *secs (capacity *cap, grown by
 * doubling).  WN_OK, or WN_ENOMEM with *secs unchanged. */
int wn__train_secs_room(double **secs, size_t *cap, size_t e);

/* Check cfg->min_seconds: finite, 0 .. 7 days.  WN_OK or WN_EINVAL. */
int wn__train_check_min_seconds(const wn_train_config *cfg);

#endif /* WN_NN_TRAIN_EXTEND_H */
