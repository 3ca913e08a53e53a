import "server-only";

/**
 * Where the gateway is, read at request time (not at build time), so that one production build
 * runs against any gateway: `make up` and the browser tests start the same build with their own.
 */
export function gatewayUrl(): string {
  return (process.env.GATEWAY_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
}

/** The gateway as the browser reaches it (behind an ingress it differs from the server's view). */
export function publicGatewayUrl(): string {
  return (process.env.GATEWAY_PUBLIC_URL ?? gatewayUrl()).replace(/\/+$/, "");
}
