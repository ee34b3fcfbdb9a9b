// Added by toolchain/ensure-pulumi.sh to Pulumi's fork of
// terraform-plugin-sdk/v2 (the one pulumi-terraform-bridge replaces the SDK
// with). That fork predates terraform-plugin-go v0.31, whose
// tfprotov5.ProviderServer interface gained GenerateResourceConfig, and the
// upstream Terraform providers we bridge require v0.31. The bridge never calls
// this RPC; it is only needed for the interface to be satisfied.

package schema

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
)

func (s *GRPCProviderServer) GenerateResourceConfig(
	_ context.Context, _ *tfprotov5.GenerateResourceConfigRequest,
) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{
		Diagnostics: []*tfprotov5.Diagnostic{{
			Severity: tfprotov5.DiagnosticSeverityError,
			Summary:  "GenerateResourceConfig is not supported by this provider build",
		}},
	}, nil
}
