/**
 * Sign-in with the customer's Entra tenant over OpenID Connect (openid-client): the authorization
 * code flow with PKCE, state and nonce, the provider found by discovery. Who may sign in is
 * named in the config (groups from the ID token's groups claim, or users by preferred_username
 * or e-mail); anyone else is refused after the provider's sign-in.
 */
import * as client from "openid-client";
import type { z } from "zod";
import type { oidcConfigSchema } from "../config/config-schema.js";

export type OidcConfig = z.infer<typeof oidcConfigSchema>;

export const OIDC_START = "/signin/oidc";
export const OIDC_CALLBACK = "/signin/oidc/callback";

/** What a sign-in in progress keeps in the browser (a short-lived cookie) until the callback. */
export interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly redirectUri: string;
}

export interface OidcSignIn {
  /** The provider's authorization URL for a new sign-in, and what to keep until the callback. */
  start(redirectUri: string): Promise<{ url: URL; pending: PendingSignIn }>;
  /** The signed-in person's name, or why they may not sign in. */
  finish(callbackUrl: URL, pending: PendingSignIn): Promise<{ user: string } | { refused: string }>;
}

export function oidcSignIn(config: OidcConfig): OidcSignIn {
  let discovered: Promise<client.Configuration> | undefined;
  const provider = () => {
    discovered ??= client
      .discovery(new URL(config.issuer), config.clientId, config.clientSecret, undefined, config.allowInsecureIssuer ? { execute: [client.allowInsecureRequests] } : undefined)
      .catch((error: unknown) => {
        discovered = undefined; // try again on the next sign-in
        throw error;
      });
    return discovered;
  };
  return {
    async start(redirectUri) {
      const configuration = await provider();
      const pending = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce(), redirectUri };
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        scope: "openid profile email",
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: "S256",
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url, pending };
    },
    async finish(callbackUrl, pending) {
      const configuration = await provider();
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce });
      const claims: Record<string, unknown> = tokens.claims() ?? {};
      const names = [claims.preferred_username, claims.email, claims.upn].filter((v): v is string => typeof v === "string");
      const groups: string[] = Array.isArray(claims.groups) ? claims.groups.map(String) : [];
      const user = names[0] ?? String(claims.sub);
      const allowedUser = names.some((name) => config.allowedUsers.some((allowed) => allowed.toLowerCase() === name.toLowerCase()));
      const allowedGroup = groups.some((group) => config.allowedGroups.includes(group));
      if (allowedUser || allowedGroup) return { user };
      return { refused: `${user} is not among the console's allowed users or groups (admin.oidc.allowedUsers, allowedGroups)` };
    },
  };
}
