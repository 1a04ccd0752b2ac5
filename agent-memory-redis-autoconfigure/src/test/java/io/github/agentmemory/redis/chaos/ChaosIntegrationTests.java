package io.github.agentmemory.redis.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.actuate.AgentMemoryRedisHealthIndicator;
import io.github.agentmemory.redis.actuate.AgentMemoryRedisMetrics;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisHealthContributorAutoConfiguration;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisMetricsAutoConfiguration;
import io.github.agentmemory.redis.chaos.WriteHistory.Entry;
import io.github.agentmemory.redis.chaos.WriteHistory.Kind;
import io.github.agentmemory.redis.recovery.RecoveryStats;
import io.github.agentmemory.redis.test.BootLine;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.KillArgs;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The product's promise under real faults: a steady mixed-priority write load runs while
 * the Redis server is stopped and restarted, paused ({@code CLIENT PAUSE}) and put to
 * sleep ({@code DEBUG SLEEP}) for longer than the command timeout, has the template's
 * connection killed ({@code CLIENT KILL}) and runs out of memory ({@code maxmemory}).
 * Afterwards: no acknowledged write is lost, no key holds an older value than its last
 * acknowledged write, every queued write was applied or reported dropped with a reason,
 * the dropped counts equal the metrics, threads and heap return to their baseline, and
 * the health indicator followed the circuit.
 *
 * <p>
 * One cycle of every fault by default (about half a minute); the long form runs more
 * cycles: {@code ./mvnw -B verify -pl agent-memory-redis-autoconfigure -Dtest=ChaosIntegrationTests -Dchaos.cycles=20}.
 */
class ChaosIntegrationTests {

	private static final Log logger = LogFactory.getLog(ChaosIntegrationTests.class);

	private static final int CYCLES = Integer.getInteger("chaos.cycles", 1);

	private static final Path DATA = dataDirectory();

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension("appendonly yes", "appendfsync always",
			"dir " + DATA);

	private final WriteHistory history = new WriteHistory();

	private final Map<String, Set<Object>> healthSeen = new ConcurrentHashMap<>();

	private volatile String phase = "warm-up";

	@Test
	void noAcknowledgedWriteIsLostAndNoneIsStaleUnderFaults() {
		TemplateContexts.runner(redis)
			.withConfiguration(AutoConfigurations.of(AgentMemoryRedisHealthContributorAutoConfiguration.class,
					AgentMemoryRedisMetricsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("spring.data.redis.timeout=300ms", "spring.data.redis.connect-timeout=300ms",
					"agent-memory.redis.circuit-breaker.failure-threshold=3",
					"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=300ms",
					"agent-memory.redis.retry.max-attempts=3", "agent-memory.redis.retry.initial-interval=20ms",
					"agent-memory.redis.retry.max-interval=100ms", "agent-memory.redis.recovery.poll-interval=100ms",
					"agent-memory.redis.recovery.capacity=100000", "agent-memory.redis.recovery.max-attempts=1000",
					"agent-memory.redis.fail-fast.max-reconnect-delay=100ms",
					"agent-memory.redis.health.latency-interval=100ms")
			.run(this::runChaos);
	}

	private void runChaos(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
		MeterRegistry registry = context.getBean(MeterRegistry.class);
		context.getBean(AgentMemoryRedisMetrics.class).bindTo(registry);
		AgentMemoryRedisHealthIndicator health = context.getBean(AgentMemoryRedisHealthIndicator.class);
		CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
		template.ping().join();
		Baseline baseline = Baseline.measure();
		ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
		sampler.scheduleAtFixedRate(() -> this.healthSeen
			.computeIfAbsent(this.phase, (phase) -> ConcurrentHashMap.newKeySet())
			.add(health.health().getStatus()), 0, 20, TimeUnit.MILLISECONDS);
		long started = System.nanoTime();
		try (ChaosLoad load = new ChaosLoad(template, this.history, 8, 200, () -> this.phase)) {
			load.start();
			awaitWrites(load, 300);
			for (int cycle = 1; cycle <= CYCLES; cycle++) {
				stopAndRestart(load, breaker, cycle);
				clientPause(load, breaker, cycle);
				debugSleep(load, breaker, cycle);
				clientKill(load, breaker, cycle);
				outOfMemory(load, breaker, cycle);
			}
			this.phase = "healed";
			awaitWrites(load, 300);
		}
		await().atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> this.history.entries().stream().allMatch(Entry::isSettled)
					&& template.recoveryStats().totalSize() == 0);
		sampler.shutdownNow();
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		verifyEveryFaultWasFelt();
		verifyRedisHoldsEveryAcknowledgedWrite();
		verifyDroppedCountsEqualMetrics(template, registry);
		verifyHealthFollowedTheCircuit(health);
		baseline.verifyRestored();
		report(template, took);
	}

	// ---- faults ----------------------------------------------------------------------------

	private void stopAndRestart(ChaosLoad load, CircuitBreaker breaker, int cycle) {
		this.phase = "stop";
		redis.stop();
		awaitWrites(load, 200);
		await().atMost(Duration.ofSeconds(10)).until(() -> breaker.getState() == CircuitBreaker.State.OPEN);
		redis.start();
		healed(load, breaker, "stop");
	}

	private void clientPause(ChaosLoad load, CircuitBreaker breaker, int cycle) {
		this.phase = "pause";
		redis.admin().clientPause(900);
		awaitWrites(load, 200);
		healed(load, breaker, "pause");
	}

	private void debugSleep(ChaosLoad load, CircuitBreaker breaker, int cycle) {
		this.phase = "sleep";
		CompletableFuture<String> sleep = redis.debugSleep(0.9);
		awaitWrites(load, 200);
		await().atMost(Duration.ofSeconds(10)).until(sleep::isDone);
		healed(load, breaker, "sleep");
	}

	private void clientKill(ChaosLoad load, CircuitBreaker breaker, int cycle) {
		this.phase = "kill";
		redis.admin().clientKill(KillArgs.Builder.typeNormal().skipme());
		awaitWrites(load, 200);
		healed(load, breaker, "kill");
	}

	private void outOfMemory(ChaosLoad load, CircuitBreaker breaker, int cycle) {
		this.phase = "oom";
		long used = usedMemory();
		redis.admin().configSet("maxmemory", Long.toString(Math.max(1, used / 2)));
		awaitWrites(load, 300);
		redis.admin().configSet("maxmemory", "0");
		healed(load, breaker, "oom");
	}

	private void healed(ChaosLoad load, CircuitBreaker breaker, String fault) {
		this.phase = fault + "-healing";
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> breaker.getState() == CircuitBreaker.State.CLOSED);
		awaitWrites(load, 100);
	}

	private static void awaitWrites(ChaosLoad load, int count) {
		long target = load.issued() + count;
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> load.issued() >= target);
	}

	// ---- checks ------------------------------------------------------------------------------

	private void verifyEveryFaultWasFelt() {
		assertThat(this.history.failedWith("stop", "RedisConnectionFailureException")).as("stop: connection failures")
			.isPositive();
		assertThat(this.history.failedWith("pause", "QueryTimeoutException")
				+ this.history.failedWith("sleep", "QueryTimeoutException"))
			.as("pause and sleep: timeouts")
			.isPositive();
		assertThat(oomReplies()).as("oom: writes refused for memory (server's error stats)").isPositive();
	}

	private void verifyRedisHoldsEveryAcknowledgedWrite() {
		Map<String, Long> lastAcknowledged = new HashMap<>();
		List<String> lost = new ArrayList<>();
		List<String> stale = new ArrayList<>();
		for (Entry entry : this.history.entries()) {
			if (!entry.isAcknowledged()) {
				continue;
			}
			lastAcknowledged.merge(entry.key, entry.version, Math::max);
			if (entry.kind == Kind.HASH && redis.admin().hget(entry.key, "f" + entry.version) == null) {
				lost.add(entry.toString());
			}
			if (entry.kind == Kind.SORTED_SET && redis.admin().zscore(entry.key, "m" + entry.version) == null) {
				lost.add(entry.toString());
			}
		}
		lastAcknowledged.forEach((key, version) -> {
			String current = key.startsWith(ChaosLoad.prefix(Kind.STRING)) ? redis.admin().get(key)
					: key.startsWith(ChaosLoad.prefix(Kind.HASH)) ? redis.admin().hget(key, "last") : null;
			if (current == null && !key.startsWith(ChaosLoad.prefix(Kind.SORTED_SET))) {
				lost.add(key + " missing, last acknowledged v" + version);
			}
			else if (current != null && Long.parseLong(current) < version) {
				stale.add(key + " holds v" + current + ", last acknowledged v" + version);
			}
		});
		assertThat(lost).as("acknowledged writes missing from Redis").isEmpty();
		assertThat(stale).as("keys holding an older value than their last acknowledged write").isEmpty();
		assertThat(this.history.entries()).as("every write settled").allMatch(Entry::isSettled);
	}

	private void verifyDroppedCountsEqualMetrics(AsyncResilientRedisTemplate template, MeterRegistry registry) {
		int droppedInHistory = this.history.dropReasons().values().stream().mapToInt(Integer::intValue).sum();
		double droppedInMetrics = registry.find("agent.memory.redis.recovery.dropped")
			.counters()
			.stream()
			.mapToDouble((counter) -> counter.count())
			.sum();
		assertThat(droppedInMetrics).isEqualTo((double) droppedInHistory);
		assertThat(template.recoveryStats().totalDropped()).isEqualTo(droppedInHistory);
		this.history.dropReasons()
			.forEach((reason, count) -> assertThat(registry.find("agent.memory.redis.recovery.dropped")
				.tag("reason", reason.name())
				.counters()
				.stream()
				.mapToDouble((counter) -> counter.count())
				.sum()).as("dropped " + reason).isEqualTo(count.doubleValue()));
	}

	private void verifyHealthFollowedTheCircuit(AgentMemoryRedisHealthIndicator health) {
		assertThat(this.healthSeen.get("stop")).as("health while Redis was stopped")
			.contains(AgentMemoryRedisHealthIndicator.CIRCUIT_OPEN);
		assertThat(health.health().getStatus()).isEqualTo(BootLine.UP);
		// not containsOnly: with appendfsync always (so that a SIGKILL loses nothing
		// acknowledged) one slow fsync can time a probe out after the heal, as it should
		assertThat(this.healthSeen.get("healed")).contains(BootLine.UP);
	}

	private void report(AsyncResilientRedisTemplate template, Duration took) {
		RecoveryStats stats = template.recoveryStats();
		Map<String, Object> summary = new LinkedHashMap<>();
		summary.put("cycles", CYCLES);
		summary.put("seconds", took.toSeconds());
		summary.put("issued", this.history.entries().size());
		summary.put("finalStatus", this.history.finalStatuses());
		summary.put("queued", this.history.queued());
		summary.put("dropped", this.history.dropReasons());
		summary.put("retries", stats.retries());
		Map<String, Long> felt = new LinkedHashMap<>();
		felt.put("connection failures (stop)", this.history.failedWith("stop", "RedisConnectionFailureException"));
		felt.put("timeouts (pause)", this.history.failedWith("pause", "QueryTimeoutException"));
		felt.put("timeouts (sleep)", this.history.failedWith("sleep", "QueryTimeoutException"));
		felt.put("connection failures (kill)", this.history.failedWith("kill", "RedisConnectionFailureException"));
		felt.put("OOM replies (maxmemory)", oomReplies());
		summary.put("faultsFelt", felt);
		summary.put("lost", 0);
		summary.put("stale", 0);
		summary.put("healthSeen", this.healthSeen);
		logger.info("Chaos summary: " + summary);
	}

	private static long oomReplies() {
		for (String line : redis.admin().info("errorstats").split("\r?\n")) {
			if (line.startsWith("errorstat_OOM:count=")) {
				return Long.parseLong(line.substring("errorstat_OOM:count=".length()).trim());
			}
		}
		return 0;
	}

	private static long usedMemory() {
		for (String line : redis.admin().info("memory").split("\r?\n")) {
			if (line.startsWith("used_memory:")) {
				return Long.parseLong(line.substring("used_memory:".length()).trim());
			}
		}
		throw new IllegalStateException("no used_memory in INFO memory");
	}

	private static Path dataDirectory() {
		try {
			Path directory = Files.createTempDirectory("chaos-redis-");
			Runtime.getRuntime().addShutdownHook(new Thread(() -> FileSystemUtils.deleteRecursively(directory.toFile())));
			return directory;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Live threads and heap after a full GC, to compare before and after the faults.
	 */
	private record Baseline(int threads, long heap) {

		static Baseline measure() {
			System.gc();
			return new Baseline(ManagementFactory.getThreadMXBean().getThreadCount(),
					ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
		}

		void verifyRestored() {
			await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				Baseline now = measure();
				assertThat(now.threads()).as("live threads (baseline %d)", this.threads)
					.isLessThanOrEqualTo(this.threads + 6);
				assertThat(now.heap()).as("heap after GC (baseline %d)", this.heap)
					.isLessThanOrEqualTo(this.heap + 48L * 1024 * 1024);
			});
		}

	}

}
