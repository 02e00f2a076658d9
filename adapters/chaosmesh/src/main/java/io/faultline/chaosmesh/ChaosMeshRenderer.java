package io.faultline.chaosmesh;

import io.fabric8.chaosmesh.v1alpha1.BandwidthSpec;
import io.fabric8.chaosmesh.v1alpha1.DelaySpec;
import io.fabric8.chaosmesh.v1alpha1.IOChaos;
import io.fabric8.chaosmesh.v1alpha1.IOChaosSpec;
import io.fabric8.chaosmesh.v1alpha1.LossSpec;
import io.fabric8.chaosmesh.v1alpha1.MistakeSpec;
import io.fabric8.chaosmesh.v1alpha1.NetworkChaos;
import io.fabric8.chaosmesh.v1alpha1.NetworkChaosSpec;
import io.fabric8.chaosmesh.v1alpha1.PodChaos;
import io.fabric8.chaosmesh.v1alpha1.PodChaosSpec;
import io.fabric8.chaosmesh.v1alpha1.PodSelector;
import io.fabric8.chaosmesh.v1alpha1.PodSelectorSpec;
import io.fabric8.chaosmesh.v1alpha1.TimeChaos;
import io.fabric8.chaosmesh.v1alpha1.TimeChaosSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.faultline.faults.DiskNemesis;
import io.faultline.faults.Grudges;
import io.faultline.faults.ScheduledFault;
import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded fault schedule ({@link io.faultline.faults.FaultSchedule}) as Chaos Mesh resources: plain
 * {@code NetworkChaos}, {@code PodChaos}, {@code TimeChaos} and {@code IOChaos} documents of
 * {@code chaos-mesh.org/v1alpha1}, one per fault (a partition: one per node with a grudge), each with
 * its start offset and duration as annotations ({@value #START_OFFSET}, {@value #DURATION}) and the
 * duration in its spec too; or all of them in one {@code Workflow} whose branches wait out each start
 * offset ({@link #workflow}).
 *
 * <p>Mapping (where Chaos Mesh cannot do what the local backends do, the resource says so in
 * {@value #NOTE}): kill → {@code pod-kill} (the controller restarts the pod at once, not at the heal);
 * pause → {@code pod-failure} for the pause (a paused container is gone for that long, its state is
 * not kept); partition → {@code partition} with {@code direction: from} per node, the node's pod as
 * selector and the pods it no longer hears as target; delay → {@code delay} with jitter; blackhole →
 * {@code loss} of 100%; bandwidth → {@code bandwidth} (tc's {@code bps}: bytes per second); clock → {@code timeOffset}
 * (a strobe as the offset its rate reaches by the heal); fsync stall → IOChaos {@code latency} on
 * {@code fsync}; torn tail → IOChaos {@code mistake} (zeros over at most that many bytes of one
 * write); lose-unsynced → {@code pod-kill} (a pod's page cache survives it). reset and slow-close
 * have no Chaos Mesh counterpart: they are left out and listed in {@link Rendering#skipped}.
 *
 * <p>Targets: {@code one} and {@code all} are Chaos Mesh modes; {@code minority} and
 * {@code majority} are {@code fixed} counts of {@link ChaosMeshTarget#nodes}; {@code leader} is
 * {@code one} (Chaos Mesh does not know the leader). Names are
 * {@code <run>-<index>-<action>}; every resource carries {@value #RUN_LABEL}{@code =<run>}, which is
 * what {@link ChaosMeshCluster#delete} sweeps by.
 */
public final class ChaosMeshRenderer {
  public static final String API_VERSION = "chaos-mesh.org/v1alpha1";
  public static final String RUN_LABEL = "faultline.io/run";
  public static final String START_OFFSET = "faultline.io/start-offset";
  public static final String DURATION = "faultline.io/duration";
  public static final String FAULT = "faultline.io/fault";
  public static final String NOTE = "faultline.io/note";
  /** Per-fsync latency of an fsync stall: long enough to stall a log, short enough to end with the fault. */
  static final String FSYNC_STALL_DELAY = "1s";
  /** Queue and burst of a bandwidth limit, tc tbf's usual values. */
  static final int BANDWIDTH_LIMIT_BYTES = 20_971_520;
  static final int BANDWIDTH_BUFFER_BYTES = 10_000;

  private ChaosMeshRenderer() {}

  /**
   * What a schedule renders to.
   *
   * @param resources the documents, in schedule order
   * @param skipped   one line per fault left out, with the reason
   */
  public record Rendering(List<HasMetadata> resources, List<String> skipped) {
    public Rendering {
      resources = List.copyOf(resources);
      skipped = List.copyOf(skipped);
    }
  }

  /** One fault with its heal: when it starts, how long it lasts. */
  private record Window(int index, long startMs, long durationMs, Op op) {}

  /**
   * Renders {@code schedule}; a fault whose heal is past {@code timeMs} lasts until then (the runner's
   * final heal). {@code seed} places the nodes of each partition's grudge: the same shapes as a local
   * run's, though not always on the same nodes, since a local nemesis draws them as the run goes.
   */
  public static Rendering render(List<ScheduledFault> schedule, long timeMs, long seed, ChaosMeshTarget target) {
    List<HasMetadata> out = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> nodes = new ArrayList<>();
    for (int i = 1; i <= target.nodes(); i++) nodes.add("n" + i);
    SplittableRandom grudgeRandom = new SplittableRandom(seed);
    for (Window w : windows(schedule, timeMs)) {
      Map<String, Object> args = args(w.op().value());
      String targets = w.op().value() instanceof String s ? s : String.valueOf(args.getOrDefault("targets", "one"));
      String f = w.op().f();
      switch (f) {
        case "kill":
          out.add(pod(target, w, "pod-kill", targets, null));
          break;
        case "pause":
          out.add(pod(target, w, "pod-failure", targets,
              "a pause (SIGSTOP) is a pod-failure here: the container is replaced for the pause, its memory is not kept"));
          break;
        case DiskNemesis.LOSE_UNSYNCED:
          out.add(pod(target, w, "pod-kill", targets,
              "lose-unsynced is a pod-kill here: the node's page cache survives it, unsynced writes are not lost"));
          break;
        case "start-partition": {
          String shape = String.valueOf(w.op().value());
          Map<String, List<String>> grudge = Grudges.of(shape, nodes, grudgeRandom.split());
          for (Map.Entry<String, List<String>> e : grudge.entrySet()) out.add(partition(target, w, shape, e.getKey(), e.getValue()));
          break;
        }
        case "start-delay": {
          NetworkChaosSpec spec = network(target, w, "delay", targets);
          spec.setDelay(new DelaySpec("0", millis(number(args, "jitter_ms")), millis(number(args, "delay_ms")), null));
          out.add(networkChaos(target, w, "delay", spec, leaderNote(targets)));
          break;
        }
        case "start-blackhole": {
          NetworkChaosSpec spec = network(target, w, "loss", targets);
          spec.setLoss(new LossSpec("0", "100"));
          out.add(networkChaos(target, w, "blackhole", spec, "a blackhole is 100% loss here: bytes are dropped, not held until the heal"));
          break;
        }
        case "start-bandwidth": {
          NetworkChaosSpec spec = network(target, w, "bandwidth", targets);
          spec.setBandwidth(new BandwidthSpec(BANDWIDTH_BUFFER_BYTES, BANDWIDTH_LIMIT_BYTES, null, null,
              number(args, "bytes_per_sec") + "bps"));
          out.add(networkChaos(target, w, "bandwidth", spec, leaderNote(targets)));
          break;
        }
        case "start-clock":
          out.add(clock(target, w, targets, args));
          break;
        case DiskNemesis.START:
          out.add(io(target, w, targets, "latency", null));
          break;
        case DiskNemesis.FUNCTION:
          out.add(io(target, w, targets, "mistake", number(args, "bytes")));
          break;
        default:
          skipped.add(w.startMs() + " ms " + f + ": Chaos Mesh has no counterpart (" + f + " runs on the proxy and toxiproxy backends)");
          break;
      }
    }
    return new Rendering(out, skipped);
  }

  /** Pairs each fault op with its heal; heals and unknown ops start no window. */
  private static List<Window> windows(List<ScheduledFault> schedule, long timeMs) {
    List<Window> out = new ArrayList<>();
    for (int i = 0; i < schedule.size(); i++) {
      Op op = schedule.get(i).op();
      String heal = healOf(op.f());
      if (heal == null) continue;
      long start = schedule.get(i).atMs();
      long end = heal.isEmpty() ? start : timeMs;
      if (!heal.isEmpty()) {
        for (int j = i + 1; j < schedule.size(); j++) {
          if (schedule.get(j).op().f().equals(heal)) {
            end = schedule.get(j).atMs();
            break;
          }
        }
      }
      out.add(new Window(out.size(), start, Math.max(0, end - start), op));
    }
    return out;
  }

  /** The heal of a fault function: its name, "" for a fault without one, null for a heal or no fault. */
  private static String healOf(String f) {
    switch (f) {
      case "kill": return "start";
      case "pause": return "resume";
      case DiskNemesis.FUNCTION:
      case DiskNemesis.LOSE_UNSYNCED: return "";
      case DiskNemesis.START: return DiskNemesis.STOP;
      default: return f.startsWith("start-") ? "stop-" + f.substring("start-".length()) : null;
    }
  }

  private static HasMetadata pod(ChaosMeshTarget t, Window w, String action, String targets, String note) {
    PodChaosSpec spec = new PodChaosSpec();
    spec.setAction(action);
    mode(spec::setMode, spec::setValue, t, targets);
    spec.setSelector(selector(t));
    if (action.equals("pod-kill")) spec.setGracePeriod(0L); else spec.setDuration(millis(w.durationMs()));
    PodChaos chaos = new PodChaos();
    chaos.setApiVersion(API_VERSION);
    chaos.setKind("PodChaos");
    chaos.setMetadata(meta(t, w, action, note != null ? note : leaderNote(targets)));
    chaos.setSpec(spec);
    return chaos;
  }

  private static NetworkChaosSpec network(ChaosMeshTarget t, Window w, String action, String targets) {
    NetworkChaosSpec spec = new NetworkChaosSpec();
    spec.setAction(action);
    mode(spec::setMode, spec::setValue, t, targets);
    spec.setSelector(selector(t));
    spec.setDirection("to");
    spec.setDuration(millis(w.durationMs()));
    return spec;
  }

  private static HasMetadata networkChaos(ChaosMeshTarget t, Window w, String name, NetworkChaosSpec spec, String note) {
    NetworkChaos chaos = new NetworkChaos();
    chaos.setApiVersion(API_VERSION);
    chaos.setKind("NetworkChaos");
    chaos.setMetadata(meta(t, w, name, note));
    chaos.setSpec(spec);
    return chaos;
  }

  /** Node {@code node} hears none of {@code from}: packets from their pods to its pod are dropped. */
  private static HasMetadata partition(ChaosMeshTarget t, Window w, String shape, String node, List<String> from) {
    NetworkChaosSpec spec = new NetworkChaosSpec();
    spec.setAction("partition");
    spec.setMode("all");
    spec.setSelector(pods(t, List.of(node)));
    spec.setDirection("from");
    spec.setTarget(new PodSelector("all", pods(t, from), null));
    spec.setDuration(millis(w.durationMs()));
    NetworkChaos chaos = new NetworkChaos();
    chaos.setApiVersion(API_VERSION);
    chaos.setKind("NetworkChaos");
    ObjectMeta meta = meta(t, w, "partition-" + node, null);
    meta.getAnnotations().put(FAULT, "start-partition " + shape + ": " + node + " hears none of " + String.join(",", from));
    chaos.setMetadata(meta);
    chaos.setSpec(spec);
    return chaos;
  }

  private static HasMetadata clock(ChaosMeshTarget t, Window w, String targets, Map<String, Object> args) {
    String mode = String.valueOf(args.getOrDefault("mode", "skew"));
    long offsetMs = number(args, "offset_ms");
    String note = leaderNote(targets);
    double rate = args.get("rate") instanceof Number n ? n.doubleValue() : 1.0;
    if (rate != 1.0) { // strobe, rate: timers off pace, which TimeChaos cannot do
      offsetMs = Math.round((rate - 1.0) * w.durationMs());
      note = "a " + mode + " (rate " + rate + ") is the offset its rate reaches by the heal here: TimeChaos sets offsets, not rates";
    }
    TimeChaosSpec spec = new TimeChaosSpec();
    mode(spec::setMode, spec::setValue, t, targets);
    spec.setSelector(selector(t));
    spec.setTimeOffset(offsetMs + "ms");
    spec.setClockIds(List.of("CLOCK_REALTIME"));
    spec.setDuration(millis(w.durationMs()));
    TimeChaos chaos = new TimeChaos();
    chaos.setApiVersion(API_VERSION);
    chaos.setKind("TimeChaos");
    chaos.setMetadata(meta(t, w, "clock-" + mode, note));
    chaos.setSpec(spec);
    return chaos;
  }

  private static HasMetadata io(ChaosMeshTarget t, Window w, String targets, String action, Long mistakeBytes) {
    IOChaosSpec spec = new IOChaosSpec();
    spec.setAction(action);
    mode(spec::setMode, spec::setValue, t, targets);
    spec.setSelector(selector(t));
    spec.setVolumePath(t.volumePath());
    spec.setPath(t.volumePath() + "/**/*");
    spec.setPercent(100);
    String note;
    long durationMs = w.durationMs();
    if (mistakeBytes == null) {
      spec.setMethods(List.of("fsync"));
      spec.setDelay(FSYNC_STALL_DELAY);
      note = leaderNote(targets);
    } else {
      spec.setMethods(List.of("write"));
      spec.setMistake(new MistakeSpec("zero", mistakeBytes, 1L));
      durationMs = Math.max(durationMs, 1_000);
      note = "a torn tail is a one-write IOChaos mistake here (zeros over at most " + mistakeBytes + " bytes), on a live pod";
    }
    spec.setDuration(millis(durationMs));
    IOChaos chaos = new IOChaos();
    chaos.setApiVersion(API_VERSION);
    chaos.setKind("IOChaos");
    chaos.setMetadata(meta(t, w, mistakeBytes == null ? "fsync-stall" : "torn-tail", note));
    chaos.setSpec(spec);
    return chaos;
  }

  private static String leaderNote(String targets) {
    return targets.equals("leader") ? "targets leader: Chaos Mesh does not know the leader, one pod at random" : null;
  }

  private static void mode(java.util.function.Consumer<String> setMode, java.util.function.Consumer<String> setValue,
      ChaosMeshTarget t, String targets) {
    switch (targets) {
      case "all": setMode.accept("all"); break;
      case "minority":
        setMode.accept("fixed");
        setValue.accept(String.valueOf(Math.max(1, (t.nodes() - 1) / 2)));
        break;
      case "majority":
        setMode.accept("fixed");
        setValue.accept(String.valueOf(t.nodes() / 2 + 1));
        break;
      default: setMode.accept("one"); break; // one, leader
    }
  }

  private static PodSelectorSpec selector(ChaosMeshTarget t) {
    PodSelectorSpec s = new PodSelectorSpec();
    s.setNamespaces(List.of(t.namespace()));
    s.setLabelSelectors(Map.of(t.selectorKey(), t.selectorValue()));
    return s;
  }

  private static PodSelectorSpec pods(ChaosMeshTarget t, List<String> nodeIds) {
    List<String> names = new ArrayList<>();
    for (String id : nodeIds) names.add(t.pod(id));
    PodSelectorSpec s = new PodSelectorSpec();
    s.setPods(Map.of(t.namespace(), names));
    return s;
  }

  private static ObjectMeta meta(ChaosMeshTarget t, Window w, String what, String note) {
    Map<String, String> annotations = new TreeMap<>();
    annotations.put(START_OFFSET, millis(w.startMs()));
    annotations.put(DURATION, millis(w.durationMs()));
    annotations.put(FAULT, describe(w.op()));
    if (note != null) annotations.put(NOTE, note);
    return new ObjectMetaBuilder()
        .withName(String.format(Locale.ROOT, "%s-%02d-%s", t.runId(), w.index(), what))
        .withNamespace(t.namespace())
        .withLabels(new LinkedHashMap<>(Map.of(RUN_LABEL, t.runId())))
        .withAnnotations(annotations)
        .build();
  }

  private static String describe(Op op) {
    return op.value() == null ? op.f() : op.f() + " " + op.value();
  }

  static String millis(long ms) { return ms + "ms"; }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> args(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static long number(Map<String, Object> args, String key) {
    Object v = args.get(key);
    if (!(v instanceof Number n)) throw new IllegalArgumentException("fault argument " + key + " missing in " + args);
    return n.longValue();
  }

  /** The start offset a rendered resource carries, in ms. */
  public static long startOffsetMs(HasMetadata resource) {
    String v = resource.getMetadata().getAnnotations().get(START_OFFSET);
    return Long.parseLong(v.substring(0, v.length() - 2));
  }

  /**
   * All resources in one {@code Workflow} named {@code <run>}: a {@code Parallel} entry with one
   * {@code Serial} branch per resource, which waits out the start offset ({@code Suspend}) and then
   * runs the chaos for its duration ({@code deadline}).
   */
  public static GenericKubernetesResource workflow(Rendering rendering, ChaosMeshTarget t) {
    KubernetesSerialization json = new KubernetesSerialization();
    List<Object> templates = new ArrayList<>();
    List<String> branches = new ArrayList<>();
    for (HasMetadata r : rendering.resources()) {
      String name = r.getMetadata().getName().substring(t.runId().length() + 1);
      Map<String, Object> chaosTemplate = new LinkedHashMap<>();
      chaosTemplate.put("name", name);
      chaosTemplate.put("templateType", r.getKind());
      chaosTemplate.put("deadline", deadline(r));
      Object spec = json.convertValue(specOf(r), Map.class);
      chaosTemplate.put(r.getKind().equals("IOChaos") ? "ioChaos" : Character.toLowerCase(r.getKind().charAt(0)) + r.getKind().substring(1), spec);
      List<String> children = new ArrayList<>();
      long offsetMs = startOffsetMs(r);
      if (offsetMs > 0) {
        Map<String, Object> wait = new LinkedHashMap<>();
        wait.put("name", "wait-" + name);
        wait.put("templateType", "Suspend");
        wait.put("deadline", millis(offsetMs));
        templates.add(wait);
        children.add("wait-" + name);
      }
      children.add(name);
      templates.add(chaosTemplate);
      Map<String, Object> branch = new LinkedHashMap<>();
      branch.put("name", "at-" + name);
      branch.put("templateType", "Serial");
      branch.put("children", children);
      templates.add(branch);
      branches.add("at-" + name);
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", "entry");
    entry.put("templateType", "Parallel");
    entry.put("children", branches);
    templates.add(0, entry);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("entry", "entry");
    spec.put("templates", templates);
    GenericKubernetesResource workflow = new GenericKubernetesResource();
    workflow.setApiVersion(API_VERSION);
    workflow.setKind("Workflow");
    workflow.setMetadata(new ObjectMetaBuilder().withName(t.runId()).withNamespace(t.namespace())
        .withLabels(new LinkedHashMap<>(Map.of(RUN_LABEL, t.runId()))).build());
    workflow.setAdditionalProperty("spec", spec);
    return workflow;
  }

  /** A chaos template's deadline: its duration; a pod-kill, which is over at once, gets a second. */
  private static String deadline(HasMetadata r) {
    String d = r.getMetadata().getAnnotations().get(DURATION);
    return d.equals("0ms") ? "1000ms" : d;
  }

  private static Object specOf(HasMetadata r) {
    if (r instanceof NetworkChaos c) return c.getSpec();
    if (r instanceof PodChaos c) return c.getSpec();
    if (r instanceof TimeChaos c) return c.getSpec();
    if (r instanceof IOChaos c) return c.getSpec();
    throw new IllegalArgumentException("not a chaos resource: " + r.getKind());
  }

  /** The resources as YAML documents, each starting with {@code ---}. */
  public static String yaml(List<? extends HasMetadata> resources) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    StringBuilder sb = new StringBuilder();
    for (HasMetadata r : resources) {
      String doc = serialization.asYaml(r);
      if (!doc.startsWith("---")) sb.append("---\n");
      sb.append(doc);
      if (!doc.endsWith("\n")) sb.append('\n');
    }
    return sb.toString();
  }
}
