{{/*
meshlog's memory limiter (service.memoryLimitMiB, see pipeline/memory/) sized from the pod's own
container memory limit, as the Collector's memory_limiter guidance does: 80 % of the limit, floored to
a MiB. The limiter then refuses new data (at its soft limit, 80 % of this) and the join emits its
oldest requests early (at this) before the kubelet OOM-kills the pod. <mode>.memoryLimitMiB overrides
it; with no memory limit meshlog keeps its own default (512 MiB), and NOTES.txt says so.
*/}}

{{- define "meshlog.memoryLimitPercent" -}}80{{- end -}}

{{/* The values section of a mode's pod: call with the mode ("all" is allInOne). */}}
{{- define "meshlog.modeValuesKey" -}}
{{- get (dict "all" "allInOne" "agent" "agent" "processor" "processor" "signals" "signals") . -}}
{{- end -}}

{{/*
Bytes of a Kubernetes memory quantity, rounded up as Kubernetes does: a plain number of bytes, or a
number with a binary (Ki, Mi, Gi, Ti) or decimal (k, M, G, T) suffix. Call with (list key quantity);
anything else fails naming the key (values.schema.json refuses it first for values files).
*/}}
{{- define "meshlog.quantityBytes" -}}
{{- $key := index . 0 -}}
{{- $q := index . 1 -}}
{{- if kindIs "string" $q -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $q -}}
{{- $unit := trimPrefix $number $q -}}
{{- $factors := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 -}}
{{- if or (not $number) (not (hasKey $factors $unit)) -}}
{{- fail (printf "%s: %q is not a memory quantity meshlog can size its memory limiter from (a number with Ki, Mi, Gi, Ti, k, M, G or T)" $key $q) -}}
{{- end -}}
{{- mulf $number (get $factors $unit) | ceil | int64 -}}
{{- else -}}
{{- $q | ceil | int64 -}}
{{- end -}}
{{- end -}}

{{/*
The service.memoryLimitMiB line of a mode's config, with a comment saying where the number comes
from (the rendered ConfigMap is what an operator reads). Call with (list $ mode). Empty when the pod
has no memory limit and no override: meshlog's default applies.
*/}}
{{- define "meshlog.config.memoryLimit" -}}
{{- $ := index . 0 -}}
{{- $mode := index . 1 -}}
{{- $key := include "meshlog.modeValuesKey" $mode -}}
{{- $section := index $.Values $key -}}
{{- $limit := dig "resources" "limits" "memory" "" $section -}}
{{- $bytes := 0 -}}
{{- $shown := "" -}}
{{- if $limit -}}
{{- $bytes = include "meshlog.quantityBytes" (list (printf "%s.resources.limits.memory" $key) $limit) -}}
{{- $shown = ternary $limit (printf "%s bytes" $bytes) (kindIs "string" $limit) -}}
{{- end -}}
{{- if $section.memoryLimitMiB -}}
{{- if and $limit (gt (int64 $section.memoryLimitMiB) (div $bytes 1048576)) -}}
{{- fail (printf "%s.memoryLimitMiB: %v is above the container's %s memory limit; the kubelet would kill the pod before meshlog's limiter acts" $key (int64 $section.memoryLimitMiB) $shown) -}}
{{- end -}}
# {{ $key }}.memoryLimitMiB
memoryLimitMiB: {{ int64 $section.memoryLimitMiB }}
{{- else if $limit -}}
{{- $pct := include "meshlog.memoryLimitPercent" . -}}
{{- $mib := div (mul $bytes $pct) (mul 100 1048576) -}}
{{- if lt $mib 1 -}}
{{- fail (printf "%s.resources.limits.memory: %s leaves meshlog's memory limiter less than 1 MiB" $key $shown) -}}
{{- end -}}
# {{ $pct }} % of the container's {{ $shown }} memory limit ({{ $key }}.memoryLimitMiB overrides it)
memoryLimitMiB: {{ $mib }}
{{- else -}}
# no memory limit on this container ({{ $key }}.resources.limits.memory): meshlog's default memoryLimitMiB applies
{{- end -}}
{{- end -}}
