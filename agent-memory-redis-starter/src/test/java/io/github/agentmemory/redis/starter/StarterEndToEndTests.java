package io.github.agentmemory.redis.starter;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.actuate.AgentMemoryRedisHealthIndicator;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter end to end: an application whose only additions are the starter and
 * {@code spring.data.redis.*} / {@code agent-memory.redis.*} properties gets the template,
 * the health indicator and the meters from Boot's auto-configuration, and writes it makes
 * while its real {@code redis-server} is stopped are queued and applied, in order, once the
 * server is back. agent-memory-redis-boot4-starter runs this same class on Spring Boot 4.1,
 * with its own dependencies: the test names no type that differs between the lines.
 */
class StarterEndToEndTests {

	private static final Duration PATIENCE = Duration.ofSeconds(30);

	private final int port = freePort();

	private RedisServer redis;

	@AfterEach
	void stopRedis() throws IOException {
		if (this.redis != null && this.redis.isActive()) {
			this.redis.stop();
		}
	}

	@Test
	void anApplicationWithTheStarterGetsTheTemplateHealthAndMetersAndReplaysWritesQueuedDuringAnOutage()
			throws Exception {
		startRedis();
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
			.web(WebApplicationType.NONE)
			.run("--spring.main.banner-mode=off", "--spring.data.redis.host=127.0.0.1",
					"--spring.data.redis.port=" + this.port, "--spring.data.redis.timeout=500ms",
					"--spring.data.redis.connect-timeout=500ms",
					"--agent-memory.redis.circuit-breaker.wait-duration-in-open-state=1s",
					"--agent-memory.redis.retry.initial-interval=50ms", "--agent-memory.redis.retry.max-interval=200ms",
					"--agent-memory.redis.fail-fast.max-reconnect-delay=200ms",
					"--agent-memory.redis.recovery.poll-interval=100ms",
					"--agent-memory.redis.health.latency-interval=100ms")) {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			AgentMemoryRedisHealthIndicator health = context.getBean(AgentMemoryRedisHealthIndicator.class);
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			await().atMost(PATIENCE).until(() -> "UP".equals(health.health().getStatus().getCode()));
			assertThat(meters.find("agent.memory.redis.recovery.queue.size").gauges()).isNotEmpty();

			this.redis.stop();
			List<WriteOutcome> outcomes = new ArrayList<>();
			for (int i = 1; i <= 5; i++) {
				outcomes.add(template.write(RedisWrite.hset("starter:agent", Map.of("step", String.valueOf(i))),
						Priority.NORMAL).join());
			}
			assertThat(outcomes).extracting(WriteOutcome::status).containsOnly(WriteOutcome.Status.QUEUED);
			assertThat(template.recoveryStats().totalSize()).isEqualTo(5);
			assertThat(meters.get("agent.memory.redis.recovery.queue.size").tag("priority", "NORMAL").gauge().value())
				.isEqualTo(5.0);
			await().atMost(PATIENCE)
				.until(() -> !"UP".equals(health.health().getStatus().getCode()));

			startRedis();
			for (WriteOutcome outcome : outcomes) {
				assertThat(outcome.settlement().get(PATIENCE.toSeconds(), TimeUnit.SECONDS).status())
					.isEqualTo(WriteOutcome.Status.APPLIED);
			}
			assertThat(template.hget("starter:agent", "step").join()).contains("5");
			assertThat(template.recoveryStats().totalSize()).isZero();
			await().atMost(PATIENCE).until(() -> "UP".equals(health.health().getStatus().getCode()));
		}
	}

	private void startRedis() throws IOException {
		this.redis = RedisServer.newRedisServer()
			.port(this.port)
			.bind("127.0.0.1")
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		this.redis.start();
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}
