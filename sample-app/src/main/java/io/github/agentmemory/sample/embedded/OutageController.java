package io.github.agentmemory.sample.embedded;

import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Stops and starts the embedded Redis, to watch the starter ride out an outage. Only
 * present while the embedded Redis is in use.
 */
@RestController
@RequestMapping("/demo/redis")
@ConditionalOnBean(EmbeddedRedis.class)
class OutageController {

	private final EmbeddedRedis redis;

	OutageController(EmbeddedRedis redis) {
		this.redis = redis;
	}

	@PostMapping("/stop")
	Map<String, Object> stop() {
		this.redis.stop();
		return Map.of("redis", "stopped", "port", this.redis.getPort());
	}

	@PostMapping("/start")
	Map<String, Object> start() {
		this.redis.start();
		return Map.of("redis", "started", "port", this.redis.getPort());
	}

}
