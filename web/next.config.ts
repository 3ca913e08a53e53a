import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The build's own cache dir stays in the clone (.next); nothing here depends on the network at
  // build time: the gateway's address is read at request time (see src/config/runtime.ts).
  typedRoutes: false,
};

export default config;
