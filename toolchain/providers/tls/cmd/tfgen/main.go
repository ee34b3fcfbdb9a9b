// Command pulumi-tfgen-tls writes schema.json and bridge-metadata.json.
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"github.com/hashicorp/terraform-provider-tls/scaibushim/shim"
)

var version = "0.0.0-dev"

func main() {
	pftfgen.Main("tls", shim.Provider(version, nil))
}
