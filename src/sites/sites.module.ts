import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminGuard } from '../common/admin.guard';
import { DemoSiteService } from './demo-site.service';
import { SiteEntity } from './site.entity';
import { SitesController } from './sites.controller';
import { SitesService } from './sites.service';

@Module({
  imports: [TypeOrmModule.forFeature([SiteEntity])],
  controllers: [SitesController],
  providers: [SitesService, DemoSiteService, AdminGuard],
  exports: [SitesService, DemoSiteService],
})
export class SitesModule {}
