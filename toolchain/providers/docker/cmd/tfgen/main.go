// Command pulumi-tfgen-docker writes schema.json and bridge-metadata.json.
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"github.com/terraform-providers/terraform-provider-docker/scaibushim/shim"
)

var version = "0.0.0-dev"

func main() {
	pftfgen.MainWithMuxer("docker", shim.Provider(version, nil))
}
