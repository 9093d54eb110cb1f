// Joining a data-parallel run: a process that mpirun (or a scheduler's MPI launcher) started as
// one of several ranks joins the others over MPI; a process started on its own trains alone.
#pragma once

#include <memory>

#include "hone/train/data_parallel.h"

namespace hone {

// How many ranks the launcher started, from its environment (Open MPI's OMPI_COMM_WORLD_SIZE,
// PMI_SIZE of MPICH-style launchers and Slurm); 1 when not launched by one.
int launched_ranks();

// The data-parallel group of this process: null when launched_ranks() is 1. Error when several
// ranks were launched but this hone was built without MPI (HONE_MPI off), so that N copies never
// silently train N separate runs into the same folder.
std::shared_ptr<DataParallel> join_data_parallel();

}  // namespace hone
