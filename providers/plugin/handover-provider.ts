/**
 * The provider of `scaibu:docker:Handover` (providers/handover.ts has the why). Its inputs are its
 * outputs. Create and Update stop the kind that should not run; Delete does nothing.
 */
import { handOver, type HandoverProps } from "../handover";
import { actionProvider } from "./action-provider";

function props(raw: unknown): HandoverProps {
  const p = raw as Partial<HandoverProps>;
  return {
    runs: p.runs === "service" ? "service" : "container",
    container: p.container ?? "",
    service: p.service ?? "",
    stackLabel: p.stackLabel ?? "",
    dockerHost: p.dockerHost ?? "",
  };
}

export const handoverProvider = actionProvider("handover", props, handOver);
