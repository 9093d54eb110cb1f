#include "hone/train/data_parallel.h"

#include "hone/util/error.h"

namespace hone {

RowShare row_share(int64_t rows, int rank, int ranks) {
  HONE_CHECK(ranks >= 1 && rank >= 0 && rank < ranks, "data parallel: rank ", rank, " of ", ranks);
  return {rows * rank / ranks, rows * (rank + 1) / ranks};
}

}  // namespace hone
