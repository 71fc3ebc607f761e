/**
 * Client options shared by Google Cloud's gax-based SDKs (Cloud Vision, Cloud Text-to-Speech): the
 * SDK's default (gRPC to Google, the service account's credentials) without a URL, else REST
 * (google-gax's fallback mode) at the URL's host and port: a gateway or a loopback stand-in.
 */
// A type, not an interface: the SDKs' option types have an index signature an interface would not meet.
export type GoogleRestOptions = {
  fallback?: boolean;
  apiEndpoint?: string;
  port?: number;
  protocol?: "http" | "https";
};

export function googleRestOptions(baseUrl: string | undefined): GoogleRestOptions {
  if (!baseUrl) return {};
  const url = new URL(baseUrl);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return {
    fallback: true,
    apiEndpoint: url.hostname,
    port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443,
    protocol,
  };
}
