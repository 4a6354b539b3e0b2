/** The in-memory output lease (local plane, unit tests) held to the same contract as the DynamoDB adapter. */
import { MemoryOutputLeaseStore } from '../../../adapters/memory-output-lease';
import { outputLeaseStoreContract } from '../../support/contracts/output-lease.contract';

outputLeaseStoreContract('MemoryOutputLeaseStore', async () => new MemoryOutputLeaseStore());
