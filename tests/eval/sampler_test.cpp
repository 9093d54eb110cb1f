// Sampler: greedy is argmax, top-k 1 is greedy, a seed fixes the draws, top-p keeps exactly the
// nucleus, and the draws follow softmax(logits / T) (checked by frequency over many draws).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "hone/eval/sampler.h"
#include "hone/util/error.h"

namespace hone {
namespace {

std::vector<float> logits_of(const std::vector<double>& probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(float(std::log(p)));
  return out;
}

std::map<int32_t, int> histogram(Sampler& sampler, const std::vector<float>& logits, int draws) {
  std::map<int32_t, int> counts;
  for (int i = 0; i < draws; ++i) ++counts[sampler.next(logits.data(), int64_t(logits.size()))];
  return counts;
}

TEST(Sampler, GreedyIsArgmaxWithTheFirstMaximumOnTies) {
  Sampler greedy(SamplingOptions{});
  const std::vector<float> logits{0.1f, 2.5f, -1.0f, 2.4f};
  EXPECT_EQ(greedy.next(logits.data(), 4), 1);
  const std::vector<float> tie{0.0f, 3.0f, 3.0f};
  EXPECT_EQ(greedy.next(tie.data(), 3), 1);  // torch.argmax takes the first
}

// Issue 11, item 9: a tiny positive temperature is greedy decoding, not NaN arithmetic
// (1 / 5e-324 is inf; logits scaled before subtracting gave inf - inf).
TEST(Sampler, TinyTemperaturesPickTheGreedyToken) {
  const std::vector<float> logits{0.1f, 2.5f, -1.0f, 2.4f, -30.0f, 2.4999f};
  for (double t : {1e-20, 1e-200, 1e-308, 5e-324}) {
    for (uint64_t seed = 0; seed < 50; ++seed) {
      SamplingOptions o;
      o.temperature = t;
      o.seed = seed;
      Sampler sampler(o);
      EXPECT_EQ(sampler.next(logits.data(), int64_t(logits.size())), 1) << "temperature " << t << " seed " << seed;
      o.top_p = 0.5;
      Sampler nucleus(o);
      EXPECT_EQ(nucleus.next(logits.data(), int64_t(logits.size())), 1) << "top_p, temperature " << t;
    }
  }
}

TEST(Sampler, TopKOneIsGreedyAtAnyTemperature) {
  SamplingOptions o;
  o.temperature = 5.0;
  o.top_k = 1;
  o.seed = 3;
  Sampler s(o);
  const std::vector<float> logits{0.3f, -0.2f, 0.31f, 0.0f};
  for (int i = 0; i < 200; ++i) EXPECT_EQ(s.next(logits.data(), 4), 2);
}

TEST(Sampler, SeedFixesTheDrawsAndAnotherSeedChangesThem) {
  SamplingOptions o;
  o.temperature = 1.0;
  o.seed = 42;
  const std::vector<float> logits(50, 0.0f);  // uniform: every draw is up to the RNG
  Sampler a(o), b(o);
  o.seed = 43;
  Sampler c(o);
  std::vector<int32_t> xa, xb, xc;
  for (int i = 0; i < 64; ++i) {
    xa.push_back(a.next(logits.data(), 50));
    xb.push_back(b.next(logits.data(), 50));
    xc.push_back(c.next(logits.data(), 50));
  }
  EXPECT_EQ(xa, xb);
  EXPECT_NE(xa, xc);
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  // Probabilities 0.5, 0.3, 0.15, 0.05: p = 0.7 needs {0, 1}; p = 0.85 needs {0, 1, 2}.
  const std::vector<float> logits = logits_of({0.15, 0.5, 0.05, 0.3});
  for (auto [top_p, expected] : {std::pair{0.7, std::set<int32_t>{1, 3}}, std::pair{0.85, std::set<int32_t>{0, 1, 3}},
                                 std::pair{0.3, std::set<int32_t>{1}}}) {
    SamplingOptions o;
    o.temperature = 1.0;
    o.top_p = top_p;
    o.seed = 9;
    Sampler s(o);
    std::set<int32_t> seen;
    for (auto [id, n] : histogram(s, logits, 4000)) seen.insert(id);
    EXPECT_EQ(seen, expected) << "top_p " << top_p;
  }
}

TEST(Sampler, TopKKeepsTheKMostLikely) {
  const std::vector<float> logits = logits_of({0.1, 0.4, 0.2, 0.3});
  SamplingOptions o;
  o.temperature = 1.0;
  o.top_k = 2;
  Sampler s(o);
  const auto counts = histogram(s, logits, 8000);
  EXPECT_EQ(counts.size(), 2u);
  // Renormalised over {1, 3}: 4/7 and 3/7.
  EXPECT_NEAR(counts.at(1) / 8000.0, 4.0 / 7.0, 0.03);
  EXPECT_NEAR(counts.at(3) / 8000.0, 3.0 / 7.0, 0.03);
}

TEST(Sampler, FrequenciesFollowSoftmaxOverTemperature) {
  const std::vector<double> p{0.5, 0.3, 0.2};
  const std::vector<float> logits = logits_of(p);
  const int draws = 20000;
  for (double t : {1.0, 0.5, 2.0}) {
    SamplingOptions o;
    o.temperature = t;
    o.seed = 11;
    Sampler s(o);
    const auto counts = histogram(s, logits, draws);
    double z = 0;
    for (double x : p) z += std::pow(x, 1.0 / t);
    for (size_t i = 0; i < p.size(); ++i) {
      const double expected = std::pow(p[i], 1.0 / t) / z;
      // 4 standard deviations of a binomial frequency.
      const double tol = 4 * std::sqrt(expected * (1 - expected) / draws);
      EXPECT_NEAR(counts.count(int32_t(i)) ? counts.at(int32_t(i)) / double(draws) : 0.0, expected, tol)
          << "T " << t << " id " << i;
    }
  }
}

TEST(Sampler, OutOfRangeOptionsAreErrorsNamingTheFlag) {
  auto message = [](SamplingOptions o) {
    try {
      Sampler s(o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  SamplingOptions o;
  o.temperature = -1;
  EXPECT_NE(message(o).find("--temperature"), std::string::npos);
  o = {};
  o.top_p = 0;
  EXPECT_NE(message(o).find("--top_p"), std::string::npos);
  o = {};
  o.top_k = -2;
  EXPECT_NE(message(o).find("--top_k"), std::string::npos);
}

}  // namespace
}  // namespace hone
