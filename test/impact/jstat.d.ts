/** The slice of jStat (no published types) that the impact tests use as an oracle. */
declare module 'jstat' {
  interface JStat {
    poisson: { cdf(k: number, lambda: number): number };
    negbin: { cdf(k: number, r: number, p: number): number };
    gammaln(x: number): number;
  }
  const pkg: { jStat: JStat };
  export default pkg;
}
