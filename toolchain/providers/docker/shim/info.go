// Package shim describes how the Terraform "docker" provider (kreuzwerker) is
// exposed as the Pulumi "docker" package. Token and property names must match
// what the npm package @pulumi/docker (versions.env) sends to the engine.
//
// Only the bridged resources are provided. The SDK's docker.Image resource
// (docker:index/image:Image, a native image-build resource) is NOT served by
// this plugin: use docker.RemoteImage.
package shim

import (
	"context"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	upstream "github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// Provider returns the bridge description of the docker provider.
// metadata is the bridge-metadata.json produced by the tfgen step (may be nil during tfgen).
func Provider(version string, metadata []byte) tfbridge.ProviderInfo {
	if len(metadata) == 0 {
		metadata = []byte("{}")
	}
	ctx := context.Background()
	p := pftfbridge.MuxShimWithPF(ctx,
		shimv2.NewProvider(upstream.New(version)()),
		upstream.NewFrameworkProvider(version)())

	prov := tfbridge.ProviderInfo{
		P:           p,
		Name:        "docker",
		Version:     version,
		Description: "A Pulumi package for interacting with Docker in Pulumi programs",
		License:     "Apache-2.0",
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {
				Default: &tfbridge.DefaultInfo{
					Value:   "unix:///var/run/docker.sock",
					EnvVars: []string{"DOCKER_HOST"},
				},
			},
			// A list of registries, but the SDK names it in the singular.
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_config": {Tok: "docker:index/serviceConfig:ServiceConfig"},
			"docker_container": {
				Tok:                 "docker:index/container:Container",
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					// one command given as a list of words: not pluralised
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok:    "docker:index/remoteImage:RemoteImage",
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
		},
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	prov.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	// Resources with a "name" get an auto-generated one (URN name + random suffix).
	prov.SetAutonaming(255, "-")
	return prov
}
