import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { PEER_HEADERS } from '../protocol/peer-protocol';
import { JobNotifier } from './job-notifier';
import { JobsService } from './jobs.service';
import type { AuthenticatedPeer } from './peer-auth.guard';
import { AcceptsNewPeer, CurrentPeer, PeerAuthGuard } from './peer-auth.guard';
import { WitnessesService } from '../ledger/witnesses.service';
import type { CommitDto, CosignDto, HeartbeatDto, PollDto, RegisterDto, RevealDto, StakeAmountDto } from './peers.dto';
import {
  commitSchema,
  cosignSchema,
  heartbeatSchema,
  jobIdSchema,
  pollSchema,
  registerSchema,
  revealSchema,
  stakeAmountSchema,
} from './peers.dto';
import { PeersService } from './peers.service';
import { StakingService } from './staking.service';

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
const jobIdPipe = new ZodValidationPipe(jobIdSchema);
const amountPipe = new ZodValidationPipe(stakeAmountSchema);

/** A route only a peer may call, with a request signed as docs/peers.md says; never cached. */
const SignedByPeer = () =>
  applyDecorators(
    UseGuards(PeerAuthGuard),
    Header('Cache-Control', 'no-store'),
    ApiHeader({ name: PEER_HEADERS.peer, description: 'peer id: its Ed25519 public key, base64url' }),
    ApiHeader({ name: PEER_HEADERS.timestamp, description: 'milliseconds since the epoch, within 60 s' }),
    ApiHeader({ name: PEER_HEADERS.nonce, description: 'at least 16 random bytes, base64url, never reused' }),
    ApiHeader({ name: PEER_HEADERS.signature, description: 'Ed25519 signature of the signing string, base64url' }),
  );

/** Verifier peers: registration, presence, and their jobs (commit, then reveal). */
@ApiTags('peers')
@Controller('api/v1/peers')
export class PeersController {
  constructor(
    private readonly peers: PeersService,
    private readonly jobs: JobsService,
    private readonly notifier: JobNotifier,
    private readonly staking: StakingService,
    private readonly witnesses: WitnessesService,
  ) {}

  /** Every registered peer: id, public key, models held, last seen, jobs answered. */
  @Get()
  async list() {
    return { peers: await this.peers.list() };
  }

  /** Public: the signed head and candidates a job's committee was drawn from, to recompute the draw. */
  @Get('jobs/:id/committee')
  committee(@Param('id', jobIdPipe) id: string) {
    return this.jobs.committee(id);
  }

  @Post('register')
  @HttpCode(200)
  @AcceptsNewPeer()
  @SignedByPeer()
  @ApiBody({ schema: jsonSchema(registerSchema) })
  register(@CurrentPeer() peer: AuthenticatedPeer, @Body(new ZodValidationPipe(registerSchema)) dto: RegisterDto) {
    return this.peers.register(peer.id, peer.publicKey, dto.models);
  }

  @Post('me/heartbeat')
  @HttpCode(200)
  @SignedByPeer()
  @ApiBody({ schema: jsonSchema(heartbeatSchema) })
  async heartbeat(
    @CurrentPeer() peer: AuthenticatedPeer,
    @Body(new ZodValidationPipe(heartbeatSchema)) dto: HeartbeatDto,
  ) {
    return { peer: await this.peers.heartbeat(peer.id, dto.models) };
  }

  /** Jobs waiting for this peer's commit or reveal; `wait` (≤ 30 s) holds the request until one arrives. */
  @Get('me/jobs')
  @SignedByPeer()
  async poll(
    @CurrentPeer() peer: AuthenticatedPeer,
    @Query(new ZodValidationPipe(pollSchema)) query: PollDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const jobs = await this.jobs.poll(peer.id, query.wait);
    // A poll cut short by shutdown ends after the server stopped closing idle connections: close this one.
    if (this.notifier.closing) void reply.header('Connection', 'close');
    return { jobs };
  }

  @Get('me/jobs/:id/evidence')
  @SignedByPeer()
  evidence(@CurrentPeer() peer: AuthenticatedPeer, @Param('id', jobIdPipe) id: string) {
    return this.jobs.evidence(peer.id, id);
  }

  @Post('me/jobs/:id/commit')
  @HttpCode(200)
  @SignedByPeer()
  @ApiBody({ schema: jsonSchema(commitSchema) })
  commit(
    @CurrentPeer() peer: AuthenticatedPeer,
    @Param('id', jobIdPipe) id: string,
    @Body(new ZodValidationPipe(commitSchema)) dto: CommitDto,
  ) {
    return this.jobs.commit(peer.id, id, dto);
  }

  @Post('me/jobs/:id/reveal')
  @HttpCode(200)
  @SignedByPeer()
  @ApiBody({ schema: jsonSchema(revealSchema) })
  reveal(
    @CurrentPeer() peer: AuthenticatedPeer,
    @Param('id', jobIdPipe) id: string,
    @Body(new ZodValidationPipe(revealSchema)) dto: RevealDto,
  ) {
    return this.jobs.reveal(peer.id, id, dto);
  }

  /** This peer's ledger balance: free, staked, unbonding lots, and running totals. */
  @Get('me/balance')
  @SignedByPeer()
  balance(@CurrentPeer() peer: AuthenticatedPeer) {
    return this.staking.balance(peer.id);
  }

  /** Bonds free units: a `stake` entry; 409 insufficient-balance above the free balance. */
  @Post('me/stake')
  @HttpCode(200)
  @SignedByPeer()
  @ApiBody({ schema: jsonSchema(stakeAmountSchema) })
  stake(@CurrentPeer() peer: AuthenticatedPeer, @Body(amountPipe) dto: StakeAmountDto) {
    return this.staking.stake(peer.id, dto.amount);
  }

  /** Starts unbonding: an `unbond` entry released after LEDGER_UNBOND_DELAY_SECONDS, slashable until then. */
  @Post('me/unbond')
  @HttpCode(200)
  @SignedByPeer()
  @ApiBody({ schema: jsonSchema(stakeAmountSchema) })
  unbond(@CurrentPeer() peer: AuthenticatedPeer, @Body(amountPipe) dto: StakeAmountDto) {
    return this.staking.unbond(peer.id, dto.amount);
  }

  /** Withdraws released unbonding stake; 409 unbonding-not-due before its release time. */
  @Post('me/withdraw')
  @HttpCode(200)
  @SignedByPeer()
  @ApiBody({ schema: jsonSchema(stakeAmountSchema) })
  withdraw(@CurrentPeer() peer: AuthenticatedPeer, @Body(amountPipe) dto: StakeAmountDto) {
    return this.staking.withdraw(peer.id, dto.amount);
  }

  /**
   * This peer's co-signature of a head the service signed, after it checked the head's consistency with the
   * last one it co-signed (docs/peers.md, "Witnessing"). Only admitted peers witness: a key that costs
   * nothing to make would make co-signatures worthless.
   */
  @Post('me/cosignatures')
  @HttpCode(200)
  @SignedByPeer()
  @ApiBody({ schema: jsonSchema(cosignSchema) })
  async cosign(@CurrentPeer() peer: AuthenticatedPeer, @Body(new ZodValidationPipe(cosignSchema)) dto: CosignDto) {
    await this.peers.requireAdmitted(peer.id);
    return this.witnesses.record(peer.id, dto);
  }
}
