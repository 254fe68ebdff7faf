package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code spindle bench allreduce} end to end: real rank JVMs on the data plane over loopback. */
class BenchAllReduceIT {

    @Test
    void threeRanksPrintRankZerosResult() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true),
                "bench", "allreduce", "--ranks", "3", "--mb", "1", "--iterations", "3", "--warmup", "1");
        assertEquals(SpindleCli.OK, code, err.toString());
        assertEquals(1, out.toString().strip().lines().count(), out.toString());
        JsonNode result = new ObjectMapper().readTree(out.toString());
        assertEquals("spindle", result.get("impl").asText());
        assertEquals(3, result.get("ranks").asInt());
        assertEquals(1 << 20, result.get("bytes").asLong());
        assertTrue(result.get("seconds").asDouble() > 0, out.toString());
        assertTrue(result.get("busBandwidthMBps").asDouble() > 0, out.toString());
    }
}
