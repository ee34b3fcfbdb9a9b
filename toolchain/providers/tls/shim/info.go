// Package shim describes how the Terraform "tls" provider is exposed as the
// Pulumi "tls" package. Token and property names must match what the npm
// package @pulumi/tls (versions.env) sends to the engine.
package shim

import (
	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"

	upstream "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// Provider returns the bridge description of the tls provider.
// metadata is the bridge-metadata.json produced by the tfgen step (may be nil during tfgen).
func Provider(version string, metadata []byte) tfbridge.ProviderInfo {
	if len(metadata) == 0 {
		metadata = []byte("{}")
	}
	// "subject" and "proxy" are list blocks in Terraform holding at most one
	// element; the Pulumi SDK exposes them as a single object.
	single := func() map[string]*tfbridge.SchemaInfo {
		return map[string]*tfbridge.SchemaInfo{"subject": {MaxItemsOne: tfbridge.True()}}
	}
	prov := tfbridge.ProviderInfo{
		P:           pftfbridge.ShimProvider(upstream.New()),
		Name:        "tls",
		Version:     version,
		Description: "A Pulumi package to create TLS resources in Pulumi programs.",
		License:     "Apache-2.0",
		Config: map[string]*tfbridge.SchemaInfo{
			"proxy": {MaxItemsOne: tfbridge.True()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"tls_cert_request":     {Tok: "tls:index/certRequest:CertRequest", Fields: single()},
			"tls_self_signed_cert": {Tok: "tls:index/selfSignedCert:SelfSignedCert", Fields: single()},
		},
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	prov.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return prov
}
