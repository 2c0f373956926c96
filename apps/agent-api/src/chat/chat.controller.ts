import { Body, Controller, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiProduces, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { ErrorResponse } from '../http/error-response.dto';
import type { ChatTurnEvent } from './chat-turn';
import { ChatBody, ChatQuery, ChatReplyResponse, ChatSessionParams } from './chat.dto';
import { ChatError, ChatErrorCode, chatHttpError } from './chat.errors';
import { ChatService, type RunningChat } from './chat.service';

/** A comment line every so often keeps proxies from closing a stream that waits for a slow first token. */
const SSE_HEARTBEAT_MS = 15_000;

const SSE_EXAMPLE = [
  'event: delta\ndata: {"text":"The capital"}\n',
  'event: delta\ndata: {"text":" of Italy is Rome."}\n',
  'event: done\ndata: {"text":"The capital of Italy is Rome.","turn_id":"…","provider":"openrouter","model":"anthropic/claude-3.5-sonnet","llm_ttft_ms":420}\n',
].join('\n');

/** One Server-Sent Event: its name and JSON data (JSON has no raw newlines, so one `data:` line). */
function sseFrame(event: ChatTurnEvent): string {
  switch (event.kind) {
    case 'delta':
      return `event: delta\ndata: ${JSON.stringify({ text: event.text })}\n\n`;
    case 'done': {
      const { kind: _kind, ...data } = event;
      return `event: done\ndata: ${JSON.stringify(data)}\n\n`;
    }
    case 'error':
      return `event: error\ndata: ${JSON.stringify({ code: event.code, message: event.message })}\n\n`;
  }
}

async function started(work: Promise<RunningChat>): Promise<RunningChat> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof ChatError ? chatHttpError(error) : error;
  }
}

@ApiTags('sessions')
@ApiExtraModels(ChatReplyResponse)
@Controller('api/sessions')
export class ChatController {
  constructor(private readonly chats: ChatService) {}

  @Post(':id/chat')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Send a text message to the session’s agent and get its answer',
    description:
      'Runs one turn through llm-router, as a voice turn without audio. By default the answer streams as Server-Sent Events: ' +
      '`delta` `{text}` as tokens arrive, then `done` `{text, turn_id, provider, model, llm_ttft_ms}` or `error` `{code, message}`, ' +
      'after which the stream closes. Closing the connection early cancels the turn. `?stream=false` waits and returns the whole answer. ' +
      'A provider that stalls ends the turn with `error` `timeout` naming the missed deadline (see the agent `deadlines`); an llm-router ' +
      'that dies or becomes unreachable mid-turn ends it within about a second with `error` `unavailable` naming llm-router.',
  })
  @ApiBody({ type: ChatBody })
  @ApiProduces('text/event-stream', 'application/json')
  @ApiResponse({
    status: 200,
    description: 'The answer: an SSE stream (default) or, with `?stream=false`, JSON.',
    content: {
      'text/event-stream': { schema: { type: 'string' }, example: SSE_EXAMPLE },
      'application/json': { schema: { $ref: getSchemaPath(ChatReplyResponse) } },
    },
  })
  @ApiResponse({ status: 400, description: 'invalid `content`, `stream` or id (`validation_failed`, `fields` names each)', type: ErrorResponse })
  @ApiResponse({ status: 404, description: 'no session with this id (`not_found`)', type: ErrorResponse })
  @ApiResponse({ status: 502, description: '`?stream=false`: the model failed (`code` as the provider layer reported it); or an upstream fault', type: ErrorResponse })
  @ApiResponse({ status: 503, description: 'session-store or llm-router is not running (`unavailable`, the message names which)', type: ErrorResponse })
  @ApiResponse({ status: 504, description: 'session-store or llm-router did not answer in time (`timeout`)', type: ErrorResponse })
  async chat(@Param() { id }: ChatSessionParams, @Query() { stream }: ChatQuery, @Body() { content }: ChatBody, @Res() res: Response): Promise<void> {
    const running = await started(this.chats.start(id, content));
    // The client leaving before the end cancels the turn (`close` also fires after a normal end: then nothing is left to cancel).
    const clientGone = () => running.cancel('client_disconnected');
    if (res.destroyed || !res.socket || res.socket.destroyed) clientGone();
    else res.on('close', clientGone);
    if (stream === false) await this.answerWhole(running, res);
    else await this.streamEvents(running, res);
  }

  private async answerWhole(running: RunningChat, res: Response): Promise<void> {
    const result = await running.events.whole();
    if (result.kind === 'error') throw chatHttpError(new ChatError(ChatErrorCode.ReplyFailed, result.message, result.code));
    const { kind: _kind, ...body } = result;
    if (!res.destroyed) res.status(HttpStatus.OK).json(body);
  }

  private async streamEvents(running: RunningChat, res: Response): Promise<void> {
    res.status(HttpStatus.OK);
    res.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    const heartbeat = setInterval(() => {
      if (!res.destroyed) res.write(': keep-alive\n\n');
    }, SSE_HEARTBEAT_MS);
    try {
      for await (const event of running.events) {
        if (res.destroyed) break;
        res.write(sseFrame(event));
      }
    } finally {
      clearInterval(heartbeat);
      if (res.destroyed) running.cancel('client_disconnected');
      else res.end();
    }
  }
}
