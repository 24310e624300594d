import { parse, parseAllDocuments } from 'yaml';

/** One object of a chart rendering, with the fields the deploy tests read. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, any>;
  data?: Record<string, string>;
};

/** The objects of a multi-document rendering (`helm template` output), empty documents left out. */
export function renderedObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

/** A container running the meshlog image, with its pod and (for `meshlog run`) its parsed config. */
export interface MeshlogContainer {
  workload: K8sObject;
  pod: Record<string, any>;
  container: Record<string, any>;
  /** The meshlog.yaml of the ConfigMap the pod mounts, parsed; absent for the Kibana import Job. */
  config?: Record<string, any>;
  configMap?: K8sObject;
}

/** Every container of a rendering whose image is `repository` (any tag): the Deployments, DaemonSet and Job. */
export function meshlogContainers(objs: K8sObject[], repository: string): MeshlogContainer[] {
  const out: MeshlogContainer[] = [];
  for (const workload of objs.filter((o) => ['Deployment', 'DaemonSet', 'Job'].includes(o.kind))) {
    const pod = workload.spec!.template.spec;
    for (const container of pod.containers) {
      if (!String(container.image).startsWith(`${repository}:`)) continue;
      const names = new Set((pod.volumes ?? []).map((v: any) => v.configMap?.name).filter(Boolean));
      const configMap = objs.find(
        (o) => o.kind === 'ConfigMap' && names.has(o.metadata.name) && o.data?.['meshlog.yaml'] !== undefined,
      );
      const config = configMap ? parse(configMap.data!['meshlog.yaml']) : undefined;
      out.push({ workload, pod, container, config, configMap });
    }
  }
  return out;
}
