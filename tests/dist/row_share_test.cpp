// How a global batch's rows split over the ranks: contiguous, disjoint, covering every row, sizes
// within one of each other, and a rank may get none when there are more ranks than rows.
#include <gtest/gtest.h>

#include "hone/dist/launch.h"
#include "hone/util/error.h"

namespace hone {
namespace {

TEST(RowShare, SharesAreContiguousDisjointAndBalanced) {
  for (int64_t rows : {1, 4, 5, 7, 16})
    for (int ranks : {1, 2, 3, 8}) {
      int64_t next = 0, smallest = rows, largest = 0;
      for (int rank = 0; rank < ranks; ++rank) {
        const RowShare s = row_share(rows, rank, ranks);
        EXPECT_EQ(s.begin, next) << rows << " rows, rank " << rank << " of " << ranks;
        smallest = std::min(smallest, s.end - s.begin);
        largest = std::max(largest, s.end - s.begin);
        next = s.end;
      }
      EXPECT_EQ(next, rows);
      EXPECT_LE(largest - smallest, 1);
    }
  EXPECT_EQ(row_share(4, 2, 3).end - row_share(4, 2, 3).begin, 2);  // the uneven split the mpirun test uses
  EXPECT_THROW(row_share(4, 3, 3), Error);
}

TEST(Launch, RanksComeFromTheLaunchersEnvironment) {
  ::setenv("OMPI_COMM_WORLD_SIZE", "3", 1);
  EXPECT_EQ(launched_ranks(), 3);
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ::setenv("PMI_SIZE", "2", 1);
  EXPECT_EQ(launched_ranks(), 2);
  ::unsetenv("PMI_SIZE");
  EXPECT_EQ(launched_ranks(), 1);
  EXPECT_EQ(join_data_parallel(), nullptr);  // alone: no MPI at all
}

}  // namespace
}  // namespace hone
