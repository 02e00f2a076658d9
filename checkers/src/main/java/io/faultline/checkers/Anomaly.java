package io.faultline.checkers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One thing a checker found wrong, with the ops that witness it.
 *
 * @param type        the anomaly's name, as Jepsen/Elle name it ({@code nonlinearizable}, {@code G2-item}, ...)
 * @param witness     op indexes ({@link io.faultline.history.Op#index()}) of the witness
 * @param explanation in words a person can follow
 */
public record Anomaly(String type, List<Long> witness, String explanation) {
  public Anomaly {
    witness = List.copyOf(witness);
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("ops", witness);
    m.put("explanation", explanation);
    return m;
  }
}
