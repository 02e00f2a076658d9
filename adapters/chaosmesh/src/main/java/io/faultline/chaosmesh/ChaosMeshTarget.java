package io.faultline.chaosmesh;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where rendered Chaos Mesh resources point, validated once.
 *
 * <p>Nodes {@code n1..nN} of a schedule are the pods {@code <podPrefix>-0..<podPrefix>-(N-1)} of a
 * StatefulSet (Kubernetes names a StatefulSet's pods so), which is how a partition's grudge names
 * single pods; every other fault picks pods by {@code selectorKey=selectorValue} and a mode.
 *
 * @param namespace     the namespace of the resources and of the pods they select
 * @param selectorKey   label key of the system's pods ({@code --selector KEY=VALUE})
 * @param selectorValue label value of the system's pods
 * @param nodes         cluster size, for minority / majority and for grudges
 * @param runId         the value of {@link ChaosMeshRenderer#RUN_LABEL} on every resource
 * @param podPrefix     the StatefulSet's name: pod {@code n<i>} is {@code <podPrefix>-<i-1>}
 * @param volumePath    the data volume's mount path in the pods, for IOChaos
 */
public record ChaosMeshTarget(String namespace, String selectorKey, String selectorValue, int nodes, String runId,
    String podPrefix, String volumePath) {
  /** A DNS-1123 label: Kubernetes namespaces and name parts. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  /** A label value: at most 63 characters of alphanumerics, '-', '_' and '.', alphanumeric at both ends. */
  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
  private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  public static final int NODES_MAX = 99;

  public ChaosMeshTarget {
    require(namespace != null && DNS_LABEL.matcher(namespace).matches(), "--namespace", namespace, "a DNS-1123 label (lower-case letters, digits, '-')");
    require(selectorKey != null && LABEL_KEY.matcher(selectorKey).matches(), "--selector", selectorKey, "KEY=VALUE with a valid label key");
    require(selectorValue != null && LABEL_VALUE.matcher(selectorValue).matches(), "--selector", selectorValue, "KEY=VALUE with a valid label value");
    require(nodes >= 1 && nodes <= NODES_MAX, "--nodes", String.valueOf(nodes), "1.." + NODES_MAX);
    require(runId != null && !runId.isEmpty() && DNS_LABEL.matcher(runId).matches(), "--run-id", runId, "a DNS-1123 label");
    require(podPrefix != null && DNS_LABEL.matcher(podPrefix).matches(), "--pod-prefix", podPrefix, "a DNS-1123 label");
    require(volumePath != null && volumePath.startsWith("/"), "--volume-path", volumePath, "an absolute path");
  }

  /** {@code KEY=VALUE} split; the rest defaulted: run id {@code faultline-<seed>}, pods named after VALUE. */
  public static ChaosMeshTarget of(String namespace, String selector, int nodes, long seed) {
    Objects.requireNonNull(selector, "selector");
    int eq = selector.indexOf('=');
    require(eq > 0, "--selector", selector, "KEY=VALUE");
    String value = selector.substring(eq + 1);
    return new ChaosMeshTarget(namespace, selector.substring(0, eq), value, nodes,
        "faultline-" + Long.toUnsignedString(seed), value.toLowerCase(java.util.Locale.ROOT), "/data");
  }

  public ChaosMeshTarget withRunId(String newRunId) {
    return new ChaosMeshTarget(namespace, selectorKey, selectorValue, nodes, newRunId, podPrefix, volumePath);
  }

  public ChaosMeshTarget withPodPrefix(String newPodPrefix) {
    return new ChaosMeshTarget(namespace, selectorKey, selectorValue, nodes, runId, newPodPrefix, volumePath);
  }

  public ChaosMeshTarget withVolumePath(String newVolumePath) {
    return new ChaosMeshTarget(namespace, selectorKey, selectorValue, nodes, runId, podPrefix, newVolumePath);
  }

  /** The pod of node {@code n<i>}. */
  String pod(String nodeId) {
    if (!nodeId.matches("n[1-9][0-9]*")) throw new IllegalArgumentException("node ids are n1..n" + nodes + ", got " + nodeId);
    return podPrefix + "-" + (Integer.parseInt(nodeId.substring(1)) - 1);
  }

  private static void require(boolean ok, String option, String value, String expected) {
    if (!ok) throw new IllegalArgumentException("option " + option + ": '" + value + "' is invalid; expected " + expected);
  }
}
