package io.github.agentmemory.redis.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisAutoConfiguration;

import org.springframework.boot.Banner;
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

	/** Boot's Redis (and reactive Redis) auto-configuration plus the starter's. */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ RedisAutoConfiguration.class, RedisReactiveAutoConfiguration.class,
			AgentMemoryRedisAutoConfiguration.class })
	static class WithStarterAndReactive {

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

	static ConfigurableApplicationContext start(Class<?> configuration, Map<String, Object> properties) {
		return new SpringApplicationBuilder(configuration).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.registerShutdownHook(false)
			.properties(properties)
			.run();
	}

}
