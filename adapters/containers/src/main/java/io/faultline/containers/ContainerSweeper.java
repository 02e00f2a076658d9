package io.faultline.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;

/**
 * The labels every container of a run carries, and the sweep that removes the containers of a
 * harness that died without closing them.
 *
 * <p>Labels: {@value #LABEL_RUN} (the run directory), {@value #LABEL_NODE} (the node or peer) and
 * {@value #LABEL_HARNESS} ({@code <host>/<pid>/<start ms>} of the harness JVM that started it).
 * Testcontainers' Ryuk reaper already removes a dead JVM's containers; the sweep covers a reaper that
 * is switched off ({@code TESTCONTAINERS_RYUK_DISABLED}) or died with the run. A container is an
 * orphan when its harness label names this host and no process with that pid and start time lives;
 * a container of another host, or whose label does not parse, is left alone.
 */
public final class ContainerSweeper {
  public static final String LABEL_RUN = "io.faultline.run";
  public static final String LABEL_NODE = "io.faultline.node";
  public static final String LABEL_HARNESS = "io.faultline.harness";

  private ContainerSweeper() {}

  /** The labels of a container that {@code node} of {@code run} runs in, started by this JVM. */
  public static Map<String, String> labels(String run, String node) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(LABEL_RUN, run);
    m.put(LABEL_NODE, node);
    m.put(LABEL_HARNESS, harness(ProcessHandle.current()));
    return m;
  }

  /**
   * Removes (forced, with volumes) every container whose harness is gone; returns one line per
   * container removed. Without a Docker engine there is nothing to sweep.
   */
  public static List<String> sweep() {
    List<String> removed = new ArrayList<>();
    if (!DockerEngine.available()) return removed;
    DockerClient docker = DockerClientFactory.instance().client();
    String host = hostName();
    List<Container> labelled;
    try {
      labelled = docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(LABEL_HARNESS)).exec();
    } catch (RuntimeException e) {
      System.err.println("faultline: cannot list containers to sweep those of earlier runs: " + e.getMessage());
      return removed;
    }
    for (Container c : labelled) {
      Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
      if (!orphaned(labels.getOrDefault(LABEL_HARNESS, ""), host)) continue;
      try {
        docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        removed.add(c.getId().substring(0, Math.min(12, c.getId().length())) + " (" + c.getImage() + ", node "
            + labels.get(LABEL_NODE) + " of run " + labels.get(LABEL_RUN) + ", harness " + labels.get(LABEL_HARNESS) + " gone)");
      } catch (NotFoundException gone) {
        // Removed meanwhile, by its reaper or another sweep.
      } catch (RuntimeException e) {
        System.err.println("faultline: removing container " + c.getId() + " of an earlier run: " + e.getMessage());
      }
    }
    return removed;
  }

  /** Whether a container with harness label {@code label} belongs to a harness of {@code host} that is gone. */
  static boolean orphaned(String label, String host) {
    String[] parts = label.split("/", -1);
    if (parts.length != 3 || !parts[0].equals(host)) return false;
    long pid;
    long startMs;
    try {
      pid = Long.parseLong(parts[1]);
      startMs = Long.parseLong(parts[2]);
    } catch (NumberFormatException e) {
      return false;
    }
    Optional<ProcessHandle> p = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (p.isEmpty()) return true;
    // The pid may have been given to another process since: then its start time differs.
    return startMs >= 0 && p.get().info().startInstant().map(Instant::toEpochMilli).map(ms -> ms != startMs).orElse(false);
  }

  static String harness(ProcessHandle process) {
    long startMs = process.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    return hostName() + "/" + process.pid() + "/" + startMs;
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().replace('/', '_');
    } catch (UnknownHostException e) {
      return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost").replace('/', '_');
    }
  }
}
