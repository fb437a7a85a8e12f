import { Module } from '@nestjs/common';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import { WidgetController } from './widget.controller';
import { WidgetAssetsService } from './widget-assets.service';

/** Serves the built widget (widget/dist) under /widget/. */
@Module({
  controllers: [WidgetController],
  providers: [WidgetAssetsService, FileStoreAdapter],
  exports: [WidgetAssetsService],
})
export class WidgetModule {}
