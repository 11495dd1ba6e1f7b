/*
 * wattnet.h - the public entry point of libwattnet: the umbrella header.
 *
 * libwattnet measures, records and models the energy that training neural
 * networks costs.  This header only includes the module headers, so a
 * client needs only
 *
 *     #include <wattnet/wattnet.h>
 *
 * What every module shares (status codes, error message, allocator,
 * version) is in <wattnet/core.h>; each module header includes it and
 * compiles on its own.  The layers and who may include what are in
 * docs/architecture.md.
 */
#ifndef WATTNET_WATTNET_H
#define WATTNET_WATTNET_H

#include <wattnet/core.h>
#include <wattnet/energy.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>
#include <wattnet/train.h>
#include <wattnet/host.h>
#include <wattnet/meter.h>
#include <wattnet/run.h>
#include <wattnet/store.h>
#include <wattnet/meter_store.h>
#include <wattnet/readings.h>
#include <wattnet/model.h>
#include <wattnet/report.h>
#include <wattnet/sweep.h>
#include <wattnet/redact.h>
#include <wattnet/cpus.h>
#include <wattnet/probe.h>
#include <wattnet/probe_profile.h>
#include <wattnet/analysis.h>
#include <wattnet/study.h>
#include <wattnet/study_import.h>
#include <wattnet/gpu.h>

#endif /* WATTNET_WATTNET_H */
