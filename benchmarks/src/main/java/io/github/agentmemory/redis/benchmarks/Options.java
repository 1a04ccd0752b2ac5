package io.github.agentmemory.redis.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Command-line options; see benchmarks/README.md. */
final class Options {

	boolean quick;

	int rounds = 7;

	long cellMillis = 350;

	long maxOpsPerCell = 5_000_000;

	int openCircuitCalls = 200_000;

	/** Runs of the fail-fast section's late GET (each on a fresh context and a killed server). */
	int lateGetRuns = 1;

	int drainWrites = 100_000;

	/**
	 * Unmeasured drains run first in the same JVM, so that the measured ones do not pay
	 * for JIT-compiling the replay path (the second drain of a JVM used to look 2-3x faster
	 * than the first for that reason alone).
	 */
	int drainWarmups = 0;

	int drainTimeoutSeconds = 120;

	/** Writes queued into the journal per cell of the journal-queue section. */
	int journalQueueWrites = 100_000;

	/** Measured rounds of the journal-queue section (after one warm-up round). */
	int journalRounds = 3;

	/** Whether the journal-queue section turns on agent-memory.redis.flush-consolidation. */
	boolean journalFlushConsolidation;

	/** Where the journal-queue section keeps its journals: use the disk to measure, not a tmpfs. */
	String journalDirectory = "benchmarks/target/journal-queue-bench";

	/** Extra properties of every context with the starter ({@code --set=key=value}, repeatable). */
	final java.util.Map<String, Object> properties = new java.util.LinkedHashMap<>();

	/** Prefix of files with the queue size every 5 ms of each drain, or {@code null}. */
	String drainTrace;

	int coldPairs = 8;

	int warmStarts = 10;

	/** Redisson connection pool size; 1 = one connection, as every other client. */
	int redissonPool = 1;

	boolean coalescing = true;

	Set<String> sections = new TreeSet<>(List.of("load", "failfast", "recovery", "journal-queue", "startup"));

	List<Workload.Op> ops = new ArrayList<>(Arrays.asList(Workload.Op.values()));

	String out = "benchmarks/target/benchmark-results.md";

	int[] concurrency = { 1, 16, 256 };

	/** Only these clients (and always the baselines); empty: all. */
	Set<String> clients = new TreeSet<>();

	final List<String> args = new ArrayList<>();

	static Options parse(String[] args) {
		Options o = new Options();
		o.args.addAll(Arrays.asList(args));
		for (String arg : args) {
			if (arg.equals("quick") || arg.equals("--quick")) {
				o.quick = true;
				o.rounds = 2;
				o.cellMillis = 150;
				o.openCircuitCalls = 50_000;
				o.coldPairs = 2;
				o.journalRounds = 1;
				o.journalQueueWrites = 50_000;
				o.warmStarts = 4;
			}
		}
		for (String arg : args) {
			String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "";
			if (arg.startsWith("--rounds=")) {
				o.rounds = Integer.parseInt(value);
			}
			else if (arg.startsWith("--cell-ms=")) {
				o.cellMillis = Long.parseLong(value);
			}
			else if (arg.startsWith("--max-ops=")) {
				o.maxOpsPerCell = Long.parseLong(value);
			}
			else if (arg.startsWith("--drain-writes=")) {
				o.drainWrites = Integer.parseInt(value);
			}
			else if (arg.startsWith("--late-get-runs=")) {
				o.lateGetRuns = Integer.parseInt(value);
			}
			else if (arg.startsWith("--drain-warmups=")) {
				o.drainWarmups = Integer.parseInt(value);
			}
			else if (arg.startsWith("--journal-queue-writes=")) {
				o.journalQueueWrites = Integer.parseInt(value);
			}
			else if (arg.startsWith("--journal-rounds=")) {
				o.journalRounds = Integer.parseInt(value);
			}
			else if (arg.startsWith("--journal-flush-consolidation=")) {
				o.journalFlushConsolidation = Boolean.parseBoolean(value);
			}
			else if (arg.startsWith("--journal-dir=")) {
				o.journalDirectory = value;
			}
			else if (arg.startsWith("--cold-pairs=")) {
				o.coldPairs = Integer.parseInt(value);
			}
			else if (arg.startsWith("--warm-starts=")) {
				o.warmStarts = Integer.parseInt(value);
			}
			else if (arg.startsWith("--redisson-pool=")) {
				o.redissonPool = Integer.parseInt(value);
			}
			else if (arg.startsWith("--coalescing=")) {
				o.coalescing = Boolean.parseBoolean(value);
			}
			else if (arg.startsWith("--sections=")) {
				o.sections = new TreeSet<>(Arrays.asList(value.split(",")));
			}
			else if (arg.startsWith("--ops=")) {
				o.ops = new ArrayList<>();
				for (String op : value.split(",")) {
					o.ops.add(Workload.Op.valueOf(op.toUpperCase(java.util.Locale.ROOT)));
				}
			}
			else if (arg.startsWith("--concurrency=")) {
				o.concurrency = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
			}
			else if (arg.startsWith("--clients=")) {
				o.clients = new TreeSet<>(Arrays.asList(value.split(",")));
			}
			else if (arg.startsWith("--set=")) {
				int eq = value.indexOf('=');
				o.properties.put(value.substring(0, eq), value.substring(eq + 1));
			}
			else if (arg.startsWith("--drain-trace=")) {
				o.drainTrace = value;
			}
			else if (arg.startsWith("--out=")) {
				o.out = value;
			}
			else if (!arg.equals("quick") && !arg.equals("--quick")) {
				throw new IllegalArgumentException("unknown option " + arg + "; see benchmarks/README.md");
			}
		}
		return o;
	}

}
