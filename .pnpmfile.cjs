// pnpm reads this file on install. ws declares bufferutil, its optional C add-on, as an optional
// peer, and pnpm links such a peer to every copy of ws once the package is anywhere in the
// workspace - as it is, for the benchmark's "ws + bufferutil" row. Dropping the peer keeps the
// exercises' ws as `npm install ws` gives it. See pnpm-workspace.yaml.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === 'ws') {
        delete pkg.peerDependencies?.bufferutil;
        delete pkg.peerDependenciesMeta?.bufferutil;
      }
      return pkg;
    },
  },
};
