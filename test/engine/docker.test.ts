import { defineEngineContract } from './contract.js';
import { createDockerEngine } from '../../src/engine/docker/index.js';

defineEngineContract('docker', async () => createDockerEngine());
