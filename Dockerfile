FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN mkdir -p var && chown node:node var
USER node
EXPOSE 3000
ENTRYPOINT ["node", "--import", "tsx", "bin/aftercare.ts"]
CMD ["start"]
