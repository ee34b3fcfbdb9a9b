import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/**
 * Key usages the TLS provider understands. A misspelt string would be dropped silently by the
 * provider, so usages are typed and the unit tests assert the exact lists.
 */
export type KeyUsage =
  "digital_signature" | "key_encipherment" | "cert_signing" | "crl_signing" | "server_auth" | "client_auth";

export const CA_USAGES: readonly KeyUsage[] = ["cert_signing", "crl_signing", "digital_signature"];
export const SERVER_USAGES: readonly KeyUsage[] = ["digital_signature", "key_encipherment", "server_auth"];
/** The node agents' certificate: it proves who they are to the gateway, and can serve nothing. */
export const CLIENT_USAGES: readonly KeyUsage[] = ["digital_signature", "client_auth"];

export interface CertificatesArgs {
  /** Every hostname the server certificate must cover: the routed `<domain>.<service>` hosts. */
  dnsNames: string[];
  /** The CA's own subject, shown in trust stores; never derived from `domain`. */
  caSubject: { commonName: string; organization: string };
  /** Organization of the server certificate. */
  organization: pulumi.Input<string>;
  caValidityHours: pulumi.Input<number>;
  validityHours: pulumi.Input<number>;
  /** A swarm's mutual TLS (fleet.mode swarm): the gateway's server name and the agents' common name. */
  fleet?: { gatewayDnsName: string; agentCommonName: string };
  /** Jaeger's in-network name, when its OTLP receivers take TLS (the collector's push). */
  jaegerDnsName?: string;
}

/** A certificate the CA signed and its key (secret). */
export interface SignedPair {
  certPem: pulumi.Output<string>;
  keyPem: pulumi.Output<string>;
  /** Its validity end (RFC 3339): an alert counts down to it where nothing serves it. */
  notAfter: pulumi.Output<string>;
}

/**
 * A self-signed CA and a server certificate it signs for every routed hostname.
 *
 * The CA is what every client trusts, so it is cheap to keep and expensive to replace: its
 * subject and validity apply when it is minted and later changes are ignored. It is renewed in
 * the last quarter of its life, or rotated on demand (README "Rotating the CA"). It is not
 * `protect`ed: that would make every `pulumi destroy` fail until someone unprotects it.
 */
export class Certificates extends pulumi.ComponentResource {
  /** PEM of the CA: what users add to their trust store. Public. */
  readonly caCertPem: pulumi.Output<string>;
  readonly serverCertPem: pulumi.Output<string>;
  /** Secret. */
  readonly serverKeyPem: pulumi.Output<string>;
  /** When the CA expires (RFC 3339): the CA alerts count down to it. */
  readonly caNotAfter: pulumi.Output<string>;
  /** The gateway's server pair and the node agents' client pair, with fleet.mode swarm. */
  readonly fleet?: { gateway: SignedPair; agent: SignedPair };
  /** Jaeger's OTLP server pair: a key of its own, not Traefik's. */
  readonly jaeger?: SignedPair;

  constructor(name: string, args: CertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Certificates", name, {}, opts);

    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: args.caSubject,
        validityPeriodHours: args.caValidityHours,
        earlyRenewalHours: pulumi.output(args.caValidityHours).apply(earlyRenewal),
        allowedUses: [...CA_USAGES],
        setSubjectKeyId: true,
      },
      // Every attribute of a self-signed cert forces a new one (a new CA for every client).
      { parent: this, ignoreChanges: ["subject", "validityPeriodHours", "earlyRenewalHours"] },
    );

    /** A key, its request and the certificate the CA signs for it: `<prefix>-key`, `-csr`, and `<prefix>`. */
    const signed = (
      prefix: string,
      subject: tls.types.input.CertRequestSubject,
      dnsNames: string[] | undefined,
      usages: readonly KeyUsage[],
    ) => {
      const key = new tls.PrivateKey(`${prefix}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
      const csr = new tls.CertRequest(
        `${prefix}-csr`,
        { privateKeyPem: key.privateKeyPem, dnsNames, subject },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        prefix,
        {
          certRequestPem: csr.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: args.validityHours,
          earlyRenewalHours: pulumi.output(args.validityHours).apply(earlyRenewal),
          allowedUses: [...usages],
        },
        { parent: this },
      );
      return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem), notAfter: cert.validityEndTime };
    };
    const server = signed(
      `${name}-server`,
      { commonName: args.dnsNames[0] ?? "localhost", organization: args.organization },
      args.dnsNames,
      SERVER_USAGES,
    );
    if (args.fleet) {
      const { gatewayDnsName, agentCommonName } = args.fleet;
      this.fleet = {
        gateway: signed(
          `${name}-fleet-gateway`,
          { commonName: gatewayDnsName, organization: args.organization },
          [gatewayDnsName],
          SERVER_USAGES,
        ),
        agent: signed(
          `${name}-fleet-agent`,
          { commonName: agentCommonName, organization: args.organization },
          undefined,
          CLIENT_USAGES,
        ),
      };
    }

    if (args.jaegerDnsName) {
      this.jaeger = signed(
        `${name}-jaeger-otlp`,
        { commonName: args.jaegerDnsName, organization: args.organization },
        [args.jaegerDnsName],
        SERVER_USAGES,
      );
    }

    this.caCertPem = ca.certPem;
    this.caNotAfter = ca.validityEndTime;
    this.serverCertPem = server.certPem;
    this.serverKeyPem = server.keyPem;
    this.registerOutputs({ caCertPem: this.caCertPem, serverCertPem: this.serverCertPem });
  }
}

/** Renew on the `pulumi up` that runs within the last quarter of a cert's life (at most 30 days). */
export function earlyRenewal(validityHours: number): number {
  return Math.min(720, Math.floor(validityHours / 4));
}
