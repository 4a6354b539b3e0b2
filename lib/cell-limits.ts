/**
 * What bounds one ingest cell, checked at synth so a deployment that AWS would refuse halfway (or that
 * would silently stop scaling) never starts: addresses in the cell's subnets, targets behind its NLB, and
 * room for every cell's subnets in the VPC. The figures are AWS's (docs/deploy-aws.md#ingest-cells).
 *
 * Must never: read context or the environment (lib/config.ts hands the numbers in).
 */

/** Availability zones of the plane's VPC (lib/constructs/plane-network.ts): one subnet per zone per cell. */
export const CELL_ZONES = 2;
/** Addresses AWS reserves in every subnet (network, router, DNS, future, broadcast). */
export const RESERVED_ADDRESSES_PER_SUBNET = 5;
/** The NLB's own network interface in each zone's subnet. */
export const NLB_ADDRESSES_PER_SUBNET = 1;
/** Targets one NLB takes with cross-zone load balancing on (a target in N target groups counts N times). */
export const NLB_MAX_TARGETS = 500;
/** Target groups each ingest task is registered in: RTMP (RTMPS shares it), SRT, MPEG-TS push. */
export const TARGET_GROUPS_PER_TASK = 3;
/** During a deploy ECS starts the new revision's tasks before the old ones stop (maxHealthyPercent 200). */
export const DEPLOY_SURGE = 2;
/** The VPC's CIDR is a /16. */
const VPC_PREFIX = 16;

export interface CellLimitsInput {
  cells: number;
  subnetMask: number;
  maxTasks: number;
}

/** Usable task addresses in one cell subnet of this prefix length. */
export function addressesPerSubnet(mask: number): number {
  return 2 ** (32 - mask) - RESERVED_ADDRESSES_PER_SUBNET - NLB_ADDRESSES_PER_SUBNET;
}

/** Every limit the cells break, each naming the context key to change. */
export function cellCapacityProblems(input: CellLimitsInput): Array<{ key: 'ingestMaxTasks' | 'ingestCellSubnetMask' | 'ingestCells'; message: string }> {
  const problems: Array<{ key: 'ingestMaxTasks' | 'ingestCellSubnetMask' | 'ingestCells'; message: string }> = [];
  const peakTasks = input.maxTasks * DEPLOY_SURGE;
  const perSubnet = Math.ceil(peakTasks / CELL_ZONES);
  const usable = addressesPerSubnet(input.subnetMask);
  if (perSubnet > usable) {
    problems.push({
      key: 'ingestCellSubnetMask',
      message: `a /${input.subnetMask} subnet holds ${usable} tasks (${2 ** (32 - input.subnetMask)} addresses less ${RESERVED_ADDRESSES_PER_SUBNET} reserved and the NLB's), but ingestMaxTasks=${input.maxTasks} needs ${perSubnet} per zone during a deploy (${DEPLOY_SURGE}× the tasks over ${CELL_ZONES} zones): use a shorter prefix (e.g. /${maskFor(perSubnet)}) or lower ingestMaxTasks`,
    });
  }
  const targets = peakTasks * TARGET_GROUPS_PER_TASK;
  if (targets > NLB_MAX_TARGETS) {
    problems.push({
      key: 'ingestMaxTasks',
      message: `a cell's NLB takes at most ${NLB_MAX_TARGETS} targets with cross-zone load balancing, and each task counts ${TARGET_GROUPS_PER_TASK} times (RTMP, SRT, MPEG-TS push) with up to ${peakTasks} tasks during a deploy (${targets} targets): use at most ${Math.floor(NLB_MAX_TARGETS / (DEPLOY_SURGE * TARGET_GROUPS_PER_TASK))} tasks per cell and add cells (ingestCells)`,
    });
  }
  const subnets = input.cells * CELL_ZONES;
  const room = 2 ** (input.subnetMask - VPC_PREFIX);
  if (subnets > room) {
    problems.push({
      key: 'ingestCells',
      message: `${input.cells} cells need ${subnets} subnets of /${input.subnetMask}, and the /${VPC_PREFIX} VPC holds ${room}: use fewer cells or a longer ingestCellSubnetMask`,
    });
  }
  return problems;
}

/** The longest prefix whose subnet holds `tasks` task addresses. */
function maskFor(tasks: number): number {
  let mask = 28;
  while (mask > VPC_PREFIX && addressesPerSubnet(mask) < tasks) mask--;
  return mask;
}
