/**
 * Negative-binomial tail probabilities for the silent-drop test (DESIGN §8, RESEARCH §2.4).
 *
 * The distribution is parameterised the way the detector thinks about it: a mean μ and a
 * dispersion φ ≥ 1 with variance φ·μ. φ = 1 is Poisson. For φ > 1 the textbook parameters are
 * size r = μ/(φ−1) and success probability p = r/(r+μ), which simplifies to p = 1/φ.
 *
 *   Poisson:  P(X ≤ k) = Q(k+1, μ)           (regularized upper incomplete gamma)
 *   NB:       P(X ≤ k) = I_{1/φ}(r, k+1)     (regularized incomplete beta)
 *
 * Both are evaluated with series / continued fractions whose log-prefactors are written in a
 * cancellation-free form (Stirling with log1pmx), so that μ up to 1e6 and tails down to 1e-12
 * (and far below, until double underflow) keep about 1e-10 relative accuracy. A plain sum of
 * probability terms, which is what jStat does, overflows long before μ = 1e6.
 *
 * Everything here is pure and deterministic.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const MAX_ITERATIONS = 200_000;
const EPS = 1e-16;
const TINY = 1e-300;

/**
 * Below this excess dispersion the beta continued fraction loses accuracy (size r = μ/(φ−1)
 * becomes astronomically large), so the NB is taken as Poisson plus its first-order correction
 * in (φ−1). The neglected second-order term is below 1e-7 relative even at z ≈ −37.
 */
const NEAR_POISSON = 1e-6;

/**
 * Lower tail P(X ≤ k) of a count with mean `mean` and variance `phi·mean`.
 * `k` is floored (a count); k < 0 gives 0. `phi` below 1 is treated as 1 (the detector never
 * assumes under-dispersion). Throws RangeError on non-finite or negative inputs.
 */
export function nbinomCdf(k: number, mean: number, phi: number): number {
  checkParams(mean, phi);
  if (Number.isNaN(k)) throw new RangeError(`nbinomCdf: k must be a number, got ${k}`);
  if (k < 0) return 0;
  if (k === Infinity) return 1;
  const kk = Math.floor(k);
  if (mean === 0) return 1;
  if (phi - 1 <= NEAR_POISSON) return nearPoissonCdf(kk, mean, Math.max(0, phi - 1));
  const r = mean / (phi - 1);
  const p = 1 / phi;
  const q = (phi - 1) / phi; // 1 − p without rounding loss when φ ≈ 1
  return betaI(r, kk + 1, p, q);
}

/** Upper tail P(X ≥ k) = 1 − P(X ≤ k−1); offered for symmetry (rises are never paged on). */
export function nbinomSf(k: number, mean: number, phi: number): number {
  return 1 - nbinomCdf(k - 1, mean, phi);
}

/**
 * Smallest integer k ≥ 0 with P(X ≤ k) ≥ prob (the usual discrete quantile).
 * prob must lie in [0, 1]; prob = 1 returns Infinity unless mean is 0.
 */
export function nbinomQuantile(prob: number, mean: number, phi: number): number {
  checkParams(mean, phi);
  if (!(prob >= 0 && prob <= 1)) throw new RangeError(`nbinomQuantile: prob must be in [0, 1], got ${prob}`);
  if (mean === 0 || prob === 0) return 0;
  if (prob === 1) return Infinity;
  const f = Math.max(phi, 1);
  const sd = Math.sqrt(f * mean);
  // Cornish–Fisher start (skewness of NB = (2φ−1)/√(φμ)); then a bracketed search on the
  // exact CDF, so the guess only affects speed, never the answer.
  const z = normalQuantile(prob);
  const skew = (2 * f - 1) / sd;
  const guess = Math.max(0, Math.round(mean + sd * (z + (skew / 6) * (z * z - 1))));
  let lo: number;
  let hi: number;
  let step = Math.max(1, Math.ceil(sd / 4));
  if (nbinomCdf(guess, mean, f) >= prob) {
    hi = guess;
    lo = guess - step;
    while (lo >= 0 && nbinomCdf(lo, mean, f) >= prob) {
      hi = lo;
      step *= 2;
      lo = hi - step;
    }
    if (lo < 0) lo = -1; // P(X ≤ −1) = 0 < prob
  } else {
    lo = guess;
    hi = guess + step;
    while (nbinomCdf(hi, mean, f) < prob) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
  }
  // Invariant: cdf(lo) < prob ≤ cdf(hi).
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (nbinomCdf(mid, mean, f) >= prob) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Gamma-mixed Poisson expanded around φ = 1: with F(λ) = P(X ≤ k | λ), E[F(λ)] ≈ F(μ) +
 * ½·Var(λ)·F''(μ), Var(λ) = (φ−1)μ and F''(μ) = pois(k; μ) − pois(k−1; μ).
 */
function nearPoissonCdf(k: number, mean: number, excess: number): number {
  const poisson = gammaQ(k + 1, mean);
  if (excess === 0) return poisson;
  const pmfK = Math.exp(lnGammaPrefix(k + 1, mean)) / mean; // μ^k e^{−μ} / k!
  return Math.min(1, Math.max(0, poisson + 0.5 * excess * pmfK * (mean - k)));
}

function checkParams(mean: number, phi: number): void {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`negative binomial: mean must be finite and ≥ 0, got ${mean}`);
  if (!(phi > 0) || !Number.isFinite(phi)) throw new RangeError(`negative binomial: phi must be finite and > 0, got ${phi}`);
}

// ---------------------------------------------------------------------------------------------
// Special functions

/** log(1+t) − t, accurate for small |t| where the direct difference cancels. t > −1. */
export function log1pmx(t: number): number {
  if (Math.abs(t) < 0.1) {
    // −t²/2 + t³/3 − t⁴/4 + … ; |t| < 0.1 needs at most ~16 terms for full precision.
    let term = t;
    let sum = 0;
    for (let n = 2; n < 40; n++) {
      term *= -t;
      const add = term / n;
      sum += add;
      if (Math.abs(add) < Math.abs(sum) * EPS) break;
    }
    return sum;
  }
  return Math.log1p(t) - t;
}

/**
 * Stirling remainder: lnΓ(x) − [(x−½)ln x − x + ½ln 2π]. For x ≥ 10 the asymptotic series is
 * accurate to double precision; below that it is taken from the Lanczos lnΓ.
 */
function stirlingError(x: number): number {
  if (x >= 10) {
    const x2 = 1 / (x * x);
    return (
      (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 * (1 / 1680 - x2 * (1 / 1188 - x2 * (691 / 360360)))))) / x
    );
  }
  return lanczosLnGamma(x) - ((x - 0.5) * Math.log(x) - x + LN_SQRT_2PI);
}

// Lanczos approximation, g = 7, n = 9 (relative error ≈ 1e-15 for x > 0).
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function lanczosLnGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the approximation in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lanczosLnGamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** lnΓ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (x >= 10) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingError(x);
  return lanczosLnGamma(x);
}

/** log of x^a e^{−x} / Γ(a), the prefactor of both incomplete-gamma expansions. */
function lnGammaPrefix(a: number, x: number): number {
  if (a >= 10) {
    // a·ln x − x − lnΓ(a) = a·log1pmx((x−a)/a) + ½ln(a/2π) − stirlingError(a): no large terms cancel.
    return a * log1pmx((x - a) / a) + 0.5 * Math.log(a) - LN_SQRT_2PI - stirlingError(a);
  }
  return a * Math.log(x) - x - lnGamma(a);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - gammaPSeries(a, x);
  return gammaQContinuedFraction(a, x);
}

/** Regularized lower incomplete gamma P(a, x) = 1 − Q(a, x). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) return gammaPSeries(a, x);
  return 1 - gammaQContinuedFraction(a, x);
}

function gammaPSeries(a: number, x: number): number {
  const lnPre = lnGammaPrefix(a, x);
  if (lnPre < -745) return 0;
  let ap = a;
  let del = 1 / a;
  let sum = del;
  for (let n = 0; n < MAX_ITERATIONS; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) return Math.min(1, sum * Math.exp(lnPre));
  }
  throw new Error(`gammaP series did not converge for a=${a}, x=${x}`);
}

function gammaQContinuedFraction(a: number, x: number): number {
  const lnPre = lnGammaPrefix(a, x);
  if (lnPre < -745) return 0;
  // Modified Lentz evaluation of the Legendre continued fraction.
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return Math.min(1, Math.exp(lnPre) * h);
  }
  throw new Error(`gammaQ continued fraction did not converge for a=${a}, x=${x}`);
}

/** lnΓ(a+b) − lnΓ(a), accurate when a is large and b is not. */
function lnGammaRatio(a: number, b: number): number {
  if (a >= 10 && a + b >= 10) {
    return (a - 0.5) * Math.log1p(b / a) + b * Math.log(a + b) - b + stirlingError(a + b) - stirlingError(a);
  }
  return lnGamma(a + b) - lnGamma(a);
}

/**
 * log of x^a y^b / B(a, b) with y = 1 − x given separately (so x ≈ 1 loses nothing).
 * When both a and b are large the expression is expanded around the Beta mean x0 = a/(a+b):
 * a·ln(x/x0) + b·ln(y/y0) = a·log1pmx(δ/x0) + b·log1pmx(−δ/y0) with δ = x − x0, because the
 * linear terms cancel exactly. That is what keeps μ ≈ 1e6 accurate.
 */
function lnBetaPrefix(a: number, b: number, x: number, y: number): number {
  const lnX = y < 0.5 ? Math.log1p(-y) : Math.log(x);
  const lnY = x < 0.5 ? Math.log1p(-x) : Math.log(y);
  if (a >= 10 && b >= 10) {
    const c = a + b;
    const x0 = a / c;
    const y0 = b / c;
    const delta = x < 0.5 ? x - x0 : y0 - y;
    return (
      a * log1pmx(delta / x0) +
      b * log1pmx(-delta / y0) +
      0.5 * Math.log((a / c) * b) -
      LN_SQRT_2PI -
      stirlingError(a) -
      stirlingError(b) +
      stirlingError(c)
    );
  }
  // One side small: −lnB(a,b) = lnΓ(a+b) − lnΓ(a) − lnΓ(b) with the large-argument difference
  // taken as a ratio.
  const lnInvBeta = a >= b ? lnGammaRatio(a, b) - lnGamma(b) : lnGammaRatio(b, a) - lnGamma(a);
  return a * lnX + b * lnY + lnInvBeta;
}

/** Regularized incomplete beta I_x(a, b), with y = 1 − x supplied by the caller. */
export function betaI(a: number, b: number, x: number, y: number = 1 - x): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const lnPre = lnBetaPrefix(a, b, x, y);
  // The continued fraction converges fast below the mean; above it use the symmetry
  // I_x(a,b) = 1 − I_y(b,a) so that a small tail is always computed directly.
  if (x * (a + b + 2) < a + 1) {
    if (lnPre < -745) return 0;
    return Math.min(1, (Math.exp(lnPre) * betaContinuedFraction(a, b, x, y)) / a);
  }
  if (lnPre < -745) return 1;
  return Math.max(0, 1 - (Math.exp(lnPre) * betaContinuedFraction(b, a, y, x)) / b);
}

function betaContinuedFraction(a: number, b: number, x: number, y: number): number {
  // Modified Lentz on the standard continued fraction (Numerical Recipes §6.4). It is only
  // called below the Beta mean, where it converges in O(√max(a,b)) steps.
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  // 1 − (a+b)x/(a+1) cancels badly when x ≈ 1 and a is huge (φ ≈ 1); through y = 1 − x it
  // is (1 − b + (a+b)y)/(a+1) exactly.
  let d = x > 0.5 ? (1 - b + qab * y) / qap : 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta continued fraction did not converge for a=${a}, b=${b}, x=${x}`);
}

/** Standard normal quantile (Acklam's rational approximation, ~1e-9), used only for starting guesses. */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  const poly = (cs: number[], v: number) => cs.reduce((acc, coef) => acc * v + coef, 0);
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}
