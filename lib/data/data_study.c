/*
 * data_study.c - the 13 datasets of the BUTTER-E study (SPEC section 2):
 * rows, raw features, inputs and outputs after preprocessing, and task.
 * The synthetic stand-ins copy these shapes; the tests check real files
 * against them.
 */
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

static const wn_study_dataset study[] = {
    {"201_pol", 15000, 48, 26, 11, WN_TASK_MULTICLASS},
    {"294_satellite_image", 6435, 36, 36, 6, WN_TASK_MULTICLASS},
    {"505_tecator", 240, 124, 124, 1, WN_TASK_REGRESSION},
    {"529_pollen", 3848, 4, 4, 1, WN_TASK_REGRESSION},
    {"537_houses", 20640, 8, 8, 1, WN_TASK_REGRESSION},
    {"adult", 48842, 14, 81, 1, WN_TASK_BINARY},
    {"banana", 5300, 2, 2, 1, WN_TASK_BINARY},
    {"connect_4", 67557, 42, 126, 3, WN_TASK_MULTICLASS},
    {"mnist", 70000, 784, 784, 10, WN_TASK_MULTICLASS},
    {"nursery", 12958, 8, 26, 4, WN_TASK_MULTICLASS},
    {"sleep", 105908, 13, 141, 5, WN_TASK_MULTICLASS},
    {"splice", 3188, 60, 287, 3, WN_TASK_MULTICLASS},
    {"wine_quality_white", 4898, 11, 11, 7, WN_TASK_MULTICLASS},
};

size_t wn_study_dataset_count(void)
{
    return sizeof(study) / sizeof(study[0]);
}

const wn_study_dataset *wn_study_dataset_at(size_t i)
{
    return i < wn_study_dataset_count() ? &study[i] : NULL;
}

const wn_study_dataset *wn_study_dataset_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < wn_study_dataset_count(); i++)
        if (strcmp(study[i].name, name) == 0)
            return &study[i];
    return NULL;
}
