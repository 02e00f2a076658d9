package io.faultline.checkers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checker's verdict, the anomalies behind it, and figures worth keeping ({@code details}: plain
 * JSON-able values, for example the stats checker's counts and percentiles).
 */
public record CheckResult(String checker, Validity valid, List<Anomaly> anomalies, Map<String, Object> details) {
  public CheckResult {
    anomalies = List.copyOf(anomalies);
    details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  public static CheckResult valid(String checker, Map<String, Object> details) {
    return new CheckResult(checker, Validity.TRUE, List.of(), details);
  }

  public static CheckResult unknown(String checker, String why) {
    return new CheckResult(checker, Validity.UNKNOWN, List.of(), Map.of("unknown_reason", why));
  }

  /** Merges several checkers' results: verdicts merge never optimistically, anomalies concatenate. */
  public static CheckResult compose(String name, List<CheckResult> parts) {
    Validity v = Validity.TRUE;
    List<Anomaly> all = new ArrayList<>();
    Map<String, Object> details = new LinkedHashMap<>();
    for (CheckResult r : parts) {
      v = v.merge(r.valid());
      all.addAll(r.anomalies());
      details.put(r.checker(), r.toJson());
    }
    return new CheckResult(name, v, all, details);
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("valid", valid.json());
    List<Object> a = new ArrayList<>();
    for (Anomaly an : anomalies) a.add(an.toJson());
    m.put("anomalies", a);
    m.putAll(details);
    return m;
  }
}
