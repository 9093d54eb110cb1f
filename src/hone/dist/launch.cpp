#include "hone/dist/launch.h"

#include <cstdlib>
#include <string>

#include "hone/dist/mpi_data_parallel.h"
#include "hone/util/error.h"

namespace hone {

int launched_ranks() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* value = std::getenv(name);
    if (value && *value) return std::max(1, std::atoi(value));
  }
  return 1;
}

std::shared_ptr<DataParallel> join_data_parallel() {
  const int ranks = launched_ranks();
  if (ranks <= 1) return nullptr;
  HONE_CHECK(mpi_available(), "this process is one of ", ranks,
             " ranks started by an MPI launcher, but this hone was built without MPI (cmake -DHONE_MPI=ON with "
             "libopenmpi-dev installed; scripts/setup.sh installs it): rebuild, or run one process without mpirun");
  return std::make_shared<MpiDataParallel>();
}

}  // namespace hone
