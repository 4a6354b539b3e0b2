/** The in-memory simulcast target store holds the same contract as the DynamoDB adapter. */
import { MemorySimulcastTargetStore } from '../../../adapters/memory-simulcast-target-store';
import { simulcastTargetStoreContract } from '../../support/contracts/simulcast-target-store.contract';

simulcastTargetStoreContract('MemorySimulcastTargetStore', async () => new MemorySimulcastTargetStore());
