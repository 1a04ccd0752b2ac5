package io.github.agentmemory.redis.actuate;

import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.recovery.RecoveryQueue;
import io.github.agentmemory.redis.recovery.WriteSequencer;
import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.github.agentmemory.redis.ResilientRedisConnection;
import java.time.Duration;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisHealthContributorAutoConfiguration;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.agentmemory.redis.test.BootLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code agentMemoryRedis} health indicator against a real Redis: its status follows
 * what the background probe sees, also before any traffic.
 */
class AgentMemoryRedisHealthIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private final ApplicationContextRunner contextRunner = TemplateContexts.runner(redis)
		.withPropertyValues("agent-memory.redis.health.latency-interval=100ms")
		.withConfiguration(AutoConfigurations.of(AgentMemoryRedisHealthContributorAutoConfiguration.class));

	@Test
	void answeringRedisIsUpWithItsLatency() {
		this.contextRunner.run((context) -> {
			AgentMemoryRedisHealthIndicator indicator = context.getBean(AgentMemoryRedisHealthIndicator.class);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(BootLine.UP));
			assertThat(indicator.health().getDetails().get("latency")).asString()
				.contains("millis=")
				.contains("measuredAt=");
		});
	}

	@Test
	void stoppedRedisWithoutTrafficIsNotUpAndIsUpAgainOnceBack() {
		this.contextRunner.run((context) -> {
			AgentMemoryRedisHealthIndicator indicator = context.getBean(AgentMemoryRedisHealthIndicator.class);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(BootLine.UP));
			redis.stop();
			try {
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(indicator.health().getStatus())
						.isEqualTo(AgentMemoryRedisHealthIndicator.CIRCUIT_OPEN));
				assertThat(breaker.getState()).as("no call was made").isEqualTo(CircuitBreaker.State.CLOSED);
			}
			finally {
				redis.start();
			}
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(BootLine.UP));
		});
	}

	@Test
	void latencyOfTheFirstProbeDoesNotIncludeOpeningTheConnection() {
		this.contextRunner
			.withPropertyValues("agent-memory.redis.health.latency-interval=1h", "spring.data.redis.connect-timeout=5s",
					"spring.data.redis.timeout=5s")
			.run((context) -> {
				LettuceConnectionFactory connectionFactory = context.getBean(LettuceConnectionFactory.class);
				// the context's first probe opens the shared connection: once it is done, close
				// that connection, and measure on a template of our own, which opens a new one
				// (a probe still opening it would hand the fresh template an open connection)
				AgentMemoryRedisHealthIndicator indicator = context.getBean(AgentMemoryRedisHealthIndicator.class);
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(BootLine.UP));
				connectionFactory.resetConnection();
				ResilientRedisConnection freshConnection = new ResilientRedisConnection(connectionFactory,
						context.getBean(ResilientCommandExecutor.class));
				AsyncResilientRedisTemplate fresh = new AsyncResilientRedisTemplate(freshConnection,
						context.getBean(WriteSequencer.class), context.getBean(RecoveryQueue.class),
						context.getBean(CircuitBreaker.class), StoreFunction.hash(StoreFunction.DEFAULT_KEY_PATTERN));
				try {
					// the connection's handshake waits out the pause; the PING after it does not
					redis.admin().clientPause(2000);
					long start = System.nanoTime();
					Duration latency = fresh.latency().join();
					Duration took = Duration.ofNanos(System.nanoTime() - start);
					assertThat(took).as("opening the connection waited for the pause")
						.isGreaterThan(Duration.ofMillis(1500));
					assertThat(latency).as("the PING alone").isLessThan(Duration.ofMillis(1000));
				}
				finally {
					freshConnection.destroy();
				}
			});
	}

	@Test
	void healthRequestNeverWaitsForRedis() {
		this.contextRunner.run((context) -> {
			AgentMemoryRedisHealthIndicator indicator = context.getBean(AgentMemoryRedisHealthIndicator.class);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(BootLine.UP));
			redis.admin().clientPause(2000);
			long start = System.nanoTime();
			var health = indicator.health();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1000));
			assertThat(health.getDetails()).containsKey("latency");
		});
	}

}
