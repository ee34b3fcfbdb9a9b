import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientHash, htpasswdFile } from "./web-auth";

describe("machine clients' password hashes", () => {
  it("writes {SHA} in htpasswd files, in Apache's own form", () => {
    // `htpasswd -nbs user password` prints user:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=
    assert.equal(clientHash("htpasswd", "password", "$2y$10$unused"), "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=");
    assert.equal(
      htpasswdFile({ user: clientHash("htpasswd", "password", "") }),
      "user:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n",
    );
  });

  it("keeps bcrypt in web configs, which exporter-toolkit checks once per client", () => {
    assert.equal(clientHash("webConfig", "password", "$2y$10$abc"), "$2y$10$abc");
    // Traefik's usersFile: one algorithm with the operator's bcrypt.
    assert.equal(clientHash("traefikUsers", "password", "$2y$10$abc"), "$2y$10$abc");
  });
});
