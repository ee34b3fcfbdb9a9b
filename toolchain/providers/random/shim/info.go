// Package shim describes how the Terraform "random" provider is exposed as the
// Pulumi "random" package. Token and property names must match what the npm
// package @pulumi/random (versions.env) sends to the engine.
package shim

import (
	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"

	upstream "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// Provider returns the bridge description of the random provider.
// metadata is the bridge-metadata.json produced by the tfgen step (may be nil during tfgen).
func Provider(version string, metadata []byte) tfbridge.ProviderInfo {
	if len(metadata) == 0 {
		metadata = []byte("{}")
	}
	prov := tfbridge.ProviderInfo{
		P:            pftfbridge.ShimProvider(upstream.New()),
		Name:         "random",
		Version:      version,
		Description:  "A Pulumi package to safely use randomness in Pulumi programs.",
		License:      "Apache-2.0",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	// The Pulumi package keeps the "random" prefix in its names:
	// random_password -> random:index/randomPassword:RandomPassword.
	prov.MustComputeTokens(tokens.SingleModule("", "index", tokens.MakeStandard("random")))
	return prov
}
