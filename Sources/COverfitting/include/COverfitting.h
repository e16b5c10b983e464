// The inner loop of `Overfitting.probabilityOfOverfitting` (Sources/Scoring/Overfitting.swift): every split
// of a grid's blocks, its Sharpe ratios and its two ranks. In C for one reason: the loop is bound by
// division and square-root throughput, and only a C function can be compiled for AVX (four lanes) beside
// the x86-64 baseline (two) and chosen at run time. Both builds are the same source and perform the same
// IEEE operations in the same order, so they return the same count.
#ifndef STRATOPT_COVERFITTING_H
#define STRATOPT_COVERFITTING_H

#include <stdbool.h>
#include <stdint.h>

/// Whether this CPU and its operating system run 256-bit AVX instructions (false off x86-64).
bool coverfitting_has_avx(void);

/// The overfit splits of a grid (the numerator of its PBO); `*splits` gets their number, C(blocks, blocks/2).
///
/// Tables are combination-minor with `lanes` columns (a multiple of 4; spare columns repeat the last
/// combination and have weight 0): `tc`, `t1`, `t2` hold count, Σr and Σr² of each of the 16 subsets of
/// each group of four blocks (row group·16 + subset); `totals` holds the totals (3 rows: count, Σr, Σr²);
/// `weights` is 1 per combination and 0 per spare column. `int_counts` and `total_counts` are NULL when
/// counts add exactly as Doubles, else the same counts as integers (added as integers, then converted).
/// `scratch` holds 4·lanes Doubles. `use_avx` requires `coverfitting_has_avx()`.
int64_t coverfitting_overfit_splits(
    bool use_avx, int blocks, int lanes, const double *tc, const double *t1, const double *t2,
    const double *totals, const double *weights, const int64_t *int_counts, const int64_t *total_counts,
    double *scratch, int64_t *splits);

#endif
