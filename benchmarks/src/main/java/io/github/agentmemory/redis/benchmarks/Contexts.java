package io.github.agentmemory.redis.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisAutoConfiguration;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisHealthContributorAutoConfiguration;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisMetricsAutoConfiguration;
import io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerMetricsAutoConfiguration;

import org.springframework.boot.Banner;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.redis.LettuceMetricsAutoConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisReactiveAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot contexts built the way an application gets them: Boot's Redis
 * auto-configuration, with or without the starter's.
 */
final class Contexts {

	private Contexts() {
	}

	/**
	 * The starter the way a user gets it: the full auto-configuration with actuator and
	 * Micrometer on (so Boot's Lettuce command-latency recorder if the starter leaves it
	 * on), Resilience4j's Boot auto-configuration (the starter brings it: its registry
	 * puts an event consumer on the template's breaker), and Boot's reactive template for
	 * the comparison. Use with {@link #userProperties(String, int)}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
			SimpleMetricsExportAutoConfiguration.class, LettuceMetricsAutoConfiguration.class,
			CircuitBreakerAutoConfiguration.class, CircuitBreakerMetricsAutoConfiguration.class,
			RedisAutoConfiguration.class, RedisReactiveAutoConfiguration.class, AgentMemoryRedisAutoConfiguration.class,
			AgentMemoryRedisMetricsAutoConfiguration.class, AgentMemoryRedisHealthContributorAutoConfiguration.class })
	static class UserSetup {

	}

	/** Boot's Redis auto-configuration only: the baseline of the startup comparison. */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(RedisAutoConfiguration.class)
	static class BootRedisOnly {

	}

	/** Boot's Redis auto-configuration plus the starter's. */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ RedisAutoConfiguration.class, AgentMemoryRedisAutoConfiguration.class })
	static class BootRedisWithStarter {

	}

	static Map<String, Object> redisAt(String host, int port) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.data.redis.host", host);
		properties.put("spring.data.redis.port", port);
		return properties;
	}

	/**
	 * Properties of {@link UserSetup}: Redis at the address, with the command timeout a
	 * user sets ({@code spring.data.redis.timeout=2s}).
	 */
	static Map<String, Object> userProperties(String host, int port) {
		Map<String, Object> properties = redisAt(host, port);
		properties.put("spring.data.redis.timeout", "2s");
		properties.putAll(EXTRA);
		return properties;
	}

	/** Properties given with {@code --set=key=value}, for every context with the starter. */
	static final Map<String, Object> EXTRA = new LinkedHashMap<>();

	static ConfigurableApplicationContext start(Class<?> configuration, Map<String, Object> properties) {
		return start(new Class<?>[] { configuration }, properties);
	}

	static ConfigurableApplicationContext start(Class<?>[] configuration, Map<String, Object> properties) {
		return builder(configuration, properties).run();
	}

	static SpringApplicationBuilder builder(Class<?>[] configuration, Map<String, Object> properties) {
		return new SpringApplicationBuilder(configuration).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.registerShutdownHook(false)
			.properties(properties);
	}

}
